//! `diff_*`: framelab's codecs against another decoder of the same
//! bytes: its own frames-as-slices API, and tokio-util's codecs.

use bytes::BytesMut;
use tokio_util::codec::Decoder;

use super::{Strategy, codec, decode_input, reads};
use crate::framing::{AnyCodec, DelimiterCodec, DelimiterError, LengthPrefix, LengthPrefixCodec, LengthPrefixError};

/// `diff_slices`: the frames-as-slices API ([`crate::framing::FrameSlices`]) against the
/// `Decoder` of the same codec, over the same bytes in the same reads.
/// Input: `[strategy, config, chunk, stream...]`, the first byte picking
/// the strategy (of the six, in [`Strategy`]'s order), the rest laid out
/// as a `decode_*` input.
///
/// Both give the same frames and the same errors in the same order (an
/// error's text included), with a recoverable error (a delimiter line over
/// the maximum, a json-header digest mismatch) followed by the frames
/// after it, and a fatal one ending the stream; each `frames` call returns
/// the number of frames it handed out, and leaves the same bytes
/// buffered as the `Decoder` does after the same reads.
pub fn diff_slices(data: &[u8]) {
    const ALL: &[Strategy] = Strategy::ALL;
    let [which, rest @ ..] = data else { return };
    let Some((config, chunk, stream)) = decode_input(rest) else { return };
    let strategy = ALL[*which as usize % ALL.len()];
    let (mut by_decoder, mut by_slices) = (codec(strategy, config), codec(strategy, config));
    let same = crate::check::slices_match_decoder(
        &mut by_decoder,
        &mut by_slices,
        reads(stream, chunk),
        crate::framing::FramingError::is_recoverable,
    );
    if let Err(e) = same {
        panic!("{strategy:?} config {config}: {e}");
    }
}

/// Maximums the `diff_*` targets pick from: the small edges, and the
/// edges of a `u8` and a `u16` header.
pub const DIFF_MAXES: &[usize] = &[0, 1, 2, 7, 8, 9, 254, 255, 256, 257, 65533, 65534, 65535, 65536];

/// `diff_length_prefix`: framelab's [`LengthPrefixCodec`] against
/// tokio-util's `LengthDelimitedCodec` configured identically (width,
/// endianness, length adjustment `-width` for header-inclusive lengths,
/// maximum), fed the same bytes in the same chunks, decode call by decode
/// call. Both give the same frame, or both need more bytes, or both fail;
/// the first failure ends the stream.
///
/// Input: `[config, max, chunk, stream...]`: `config` picks the preset,
/// `includes-header` and the bytes before the field as in `decode_length_prefix`, `max` indexes
/// [`DIFF_MAXES`], `chunk` is the size of the first [`SMALL_SPAN`](super::SMALL_SPAN) bytes' reads minus one
/// ([`reads`]).
///
/// The documented differences, each a rule here and in docs/fuzzing.md:
///
/// - **L1 maximum on the body.** framelab bounds the body, tokio the raw
///   length field (before the adjustment): tokio is given
///   `max + width` when the length counts the header, so both bound the
///   body by `max`.
/// - **L2 tokio's clamp.** tokio lowers its maximum to the largest field
///   value plus the adjustment and then compares the *raw field* with it:
///   with a header-inclusive length, the raw values in
///   `(field_max - width, field_max]` are refused although their body is
///   within the maximum (a `u8` field of 255, body 254: tokio's own encoder
///   writes it and its decoder refuses it). framelab takes that frame; the
///   comparison ends there, with tokio's error.
/// - **L3 signed lengths.** tokio reads every field as unsigned. A negative
///   signed field is, unsigned, at least 2^(8 width - 1), over every
///   maximum in [`DIFF_MAXES`]: both fail, framelab with
///   `NegativeLength`, tokio with its frame-too-large error.
/// - **L4 error kinds.** framelab's `FrameTooLarge` and `NegativeLength`
///   are tokio's `InvalidData`, `LengthBelowHeader` its `InvalidInput`
///   ("would overflow after adjustment"); at the end of the stream both
///   report leftover bytes the same way.
/// - **L5 reservation.** tokio reserves the declared length (up to the
///   maximum) as soon as it reads a header; framelab reserves only what is
///   missing of a frame it accepted. Capacity is not compared.
/// - **L6 bytes before the field, adjusted lengths.** With `offset` (bits
///   4 and 5 of `config`: 0 to 3 bytes, the length then adjusted by minus
///   as many), tokio is given `length_field_offset`, keeps the whole frame
///   (`num_skip(0)`) and an adjustment that makes its frame the offset,
///   field and body; framelab's message is its frame without the field.
///   Its maximum on the raw field is framelab's body maximum moved by the
///   same amounts (L1). A length that, adjusted, is below 0 is
///   framelab's `LengthBelowAdjustment`; tokio takes it as a frame shorter
///   than its head, or refuses it: the comparison ends there.
/// - **L7 varints.** tokio has no varint length: a `config` with bit 6
///   set is `diff_varint`'s, not this target's, and returns at once.
pub fn diff_length_prefix(data: &[u8]) {
    let [config, max, chunk, stream @ ..] = data else { return };
    let (config, chunk) = (*config, 1 + *chunk as usize);
    let max = DIFF_MAXES[*max as usize % DIFF_MAXES.len()];
    let AnyCodec::LengthPrefix(lp) = codec(Strategy::LengthPrefix, config) else { unreachable!() };
    let p = LengthPrefix { max_frame: max, ..*lp.format() };
    if p.varint {
        return; // L7
    }
    let (width, off) = (p.header_len(), p.offset);
    let mut ours = LengthPrefixCodec::new(p);
    let (mut theirs, tokio_adjust, whole) = tokio_like(&p);
    // L2: the raw values tokio refuses although framelab takes them.
    let field_max = if width == 8 { u64::MAX } else { (1u64 << (8 * width)) - 1 };
    let tokio_clamp = field_max.saturating_sub(width as u64);
    let clamped = |raw: u64| !whole && p.includes_header && raw > tokio_clamp && raw <= (max + width) as u64;
    let (mut a, mut b) = (BytesMut::new(), BytesMut::new());
    let mut head = 0; // where the next header starts in `stream`
    let mut fed = 0;
    let mut reads = reads(stream, chunk);
    loop {
        let eof = match reads.next() {
            Some(piece) => {
                a.extend_from_slice(piece);
                b.extend_from_slice(piece);
                fed += piece.len();
                false
            }
            None => true,
        };
        loop {
            let (x, y) = if eof {
                (ours.decode_eof(&mut a), theirs.decode_eof(&mut b))
            } else {
                (ours.decode(&mut a), theirs.decode(&mut b))
            };
            let raw = stream.get(head + off..head + off + width).map(|h| p.read_raw(h) as u64);
            let why = || {
                format!(
                    "{p} (tokio: max {}, adjustment {}), chunk {chunk}, {fed} bytes fed, header at {head}: framelab {x:?}, tokio {y:?}",
                    theirs.max_frame_length(),
                    tokio_adjust
                )
            };
            match (&x, &y) {
                (Ok(Some(f)), Ok(Some(g))) => {
                    // L6: tokio's frame holds the field; framelab's does not.
                    let same = if whole {
                        g.len() >= off + width && f[..] == [&g[..off], &g[off + width..]].concat()[..]
                    } else {
                        f == g
                    };
                    assert!(same, "diff_length_prefix: different frames: {}", why());
                    head += width + f.len();
                }
                (
                    Err(LengthPrefixError::LengthBelowAdjustment { .. } | LengthPrefixError::LengthBelowHeader { .. }),
                    _,
                ) if whole => {
                    return; // L6
                }
                (Ok(None), Ok(None)) => break,
                (Err(e), Err(t)) => {
                    use LengthPrefixError as L;
                    let kind_ok = match e {
                        L::FrameTooLarge { .. } | L::NegativeLength { .. } => {
                            t.kind() == std::io::ErrorKind::InvalidData
                        }
                        L::LengthBelowHeader { .. } => t.kind() == std::io::ErrorKind::InvalidInput,
                        L::Io(io) => io.kind() == t.kind() && io.to_string() == t.to_string(),
                        _ => false,
                    };
                    assert!(kind_ok, "diff_length_prefix: different errors: {}", why());
                    return;
                }
                (Ok(_), Err(_)) if raw.is_some_and(clamped) => return, // L2
                _ => panic!("diff_length_prefix: the codecs disagree: {}", why()),
            }
        }
        if eof {
            return;
        }
    }
}

/// tokio-util's `LengthDelimitedCodec` set up as `p` (rules L1 and L6):
/// the codec, its length adjustment, and whether its frame is the whole
/// frame (bytes before the field, or an adjusted length) or the body.
fn tokio_like(p: &LengthPrefix) -> (tokio_util::codec::LengthDelimitedCodec, i64, bool) {
    let (width, off) = (p.header_len(), p.offset);
    let incl = if p.includes_header { width as i64 } else { 0 };
    let mut builder = tokio_util::codec::LengthDelimitedCodec::builder();
    builder.length_field_length(width).max_frame_length((p.max_frame as i64 + incl - p.adjust) as usize);
    if p.endian == crate::framing::Endian::Little {
        builder.little_endian();
    } else {
        builder.big_endian();
    }
    // L6: with bytes before the field, tokio's frame is all of it.
    let whole = off > 0 || p.adjust != 0;
    let adjust = if whole { (off + width) as i64 - incl + p.adjust } else { -incl };
    builder.length_adjustment(adjust as isize);
    if whole {
        builder.length_field_offset(off).num_skip(0);
    }
    (builder.new_codec(), adjust, whole)
}

/// `diff_varint`: framelab's varint length field against protobuf's, as
/// prost writes and reads it (`encode_length_delimiter`,
/// `decode_length_delimiter`), an implementation written apart from ours.
///
/// Input: the bytes of a length field, then anything. Reading them, both
/// give the same value and width, or both find no varint; writing that
/// value (or, where there is none, the first 8 input bytes as a
/// little-endian number), both give the same bytes, which read back to it.
///
/// The documented differences, each a rule here and in docs/fuzzing.md:
///
/// - **V1 overlong encodings.** protobuf reads a varint whose last byte
///   is 0 (`80 00` for 0); framelab refuses it (`BadVarint`), as MQTT
///   requires the shortest form: prost's value then has a shorter
///   encoding than the bytes it read.
/// - **V2 not yet whole.** With no last byte within the input (fewer than
///   10 bytes), framelab waits for more (`None`) where prost, given all it
///   will get, fails.
#[cfg(any(test, feature = "fuzzing"))]
pub fn diff_varint(data: &[u8]) {
    use crate::framing::length_prefix::{put_varint, read_varint};
    let mut theirs = data;
    let prost_read = prost::decode_length_delimiter(&mut theirs).map(|v| (v as u64, data.len() - theirs.len()));
    match (read_varint(data), prost_read) {
        (Ok(Some(ours)), Ok(p)) => assert_eq!(ours, p, "diff_varint: {data:02x?} read differently"),
        (Err(LengthPrefixError::BadVarint { .. }), Ok((v, n))) => {
            // V1: prost read an overlong encoding of `v`.
            let mut short = Vec::new();
            put_varint(v, &mut short);
            assert!(
                short.len() < n && data[n - 1] == 0,
                "diff_varint: {data:02x?} refused, prost read {v} in {n} bytes"
            );
        }
        (Ok(None), Err(_)) => {
            // V2: no last byte yet, and fewer than 10 bytes.
            assert!(
                data.len() < 10 && data.iter().all(|b| b & 0x80 != 0),
                "diff_varint: {data:02x?}: waits, prost failed"
            );
        }
        (Err(LengthPrefixError::BadVarint { .. }), Err(_)) => {}
        (ours, p) => panic!("diff_varint: {data:02x?}: framelab {ours:?}, prost {p:?}"),
    }
    let value = match read_varint(data) {
        Ok(Some((v, _))) => v,
        _ => data.iter().take(8).rev().fold(0u64, |v, b| v << 8 | u64::from(*b)),
    };
    let (mut ours, mut p) = (Vec::new(), Vec::new());
    put_varint(value, &mut ours);
    prost::encode_length_delimiter(value as usize, &mut p).expect("a Vec has room");
    assert_eq!(ours, p, "diff_varint: {value} written differently");
    assert_eq!(ours.len(), prost::length_delimiter_len(value as usize));
    assert_eq!(read_varint(&ours).unwrap(), Some((value, ours.len())), "diff_varint: {value} does not read back");
}

/// `diff_lines`: framelab's [`DelimiterCodec`] with `\n` against
/// tokio-util's `AnyDelimiterCodec` (`\n` to seek, the same maximum) and
/// `LinesCodec` (the same maximum), fed the same bytes in the same chunks,
/// decode call by decode call. All three claim the same maximum (a line of
/// more than `max` bytes before its `\n` is an error, raised as soon as
/// `max + 1` bytes hold no `\n`) and the same discard behaviour (the error
/// once, then the rest of that line up to its `\n` is dropped and decoding
/// resumes after it), so decoding goes on after that error here.
///
/// Input: `[max, chunk, stream...]`, `max` indexing [`DIFF_MAXES`].
///
/// The documented differences, each a rule here and in docs/fuzzing.md:
///
/// - **N1 unterminated tail.** At the end of the stream, bytes with no
///   final `\n` are framelab's `Unterminated { len }` error; both tokio
///   codecs return them as a last line.
/// - **N2 `\r`.** `LinesCodec` strips one `\r` before the `\n` (and a lone
///   `\r` left at the end of the stream is no line); framelab's `\n`
///   codec and `AnyDelimiterCodec` keep it. Both still count it against the
///   maximum.
/// - **N3 UTF-8.** `LinesCodec` returns `String`s: a line that is not
///   UTF-8 is its `InvalidData` error where the others give the bytes; the
///   line is consumed and decoding goes on.
/// - **N4 error kinds.** framelab's `MaxLengthExceeded` is tokio's
///   `MaxChunkLengthExceeded` / `MaxLineLengthExceeded`.
pub fn diff_lines(data: &[u8]) {
    use tokio_util::codec::{AnyDelimiterCodec, AnyDelimiterCodecError, LinesCodec, LinesCodecError};
    let [max, chunk, stream @ ..] = data else { return };
    let (max, chunk) = (DIFF_MAXES[*max as usize % DIFF_MAXES.len()], 1 + *chunk as usize);
    let mut ours = DelimiterCodec::new(&b"\n"[..], max);
    let mut any = AnyDelimiterCodec::new_with_max_length(b"\n".to_vec(), b"\n".to_vec(), max);
    let mut lines = LinesCodec::new_with_max_length(max);
    let (mut a, mut b, mut c) = (BytesMut::new(), BytesMut::new(), BytesMut::new());
    let mut fed = 0;
    let mut reads = reads(stream, chunk);
    loop {
        let eof = match reads.next() {
            Some(piece) => {
                a.extend_from_slice(piece);
                b.extend_from_slice(piece);
                c.extend_from_slice(piece);
                fed += piece.len();
                false
            }
            None => true,
        };
        loop {
            let (x, y, z) = if eof {
                (ours.decode_eof(&mut a), any.decode_eof(&mut b), lines.decode_eof(&mut c))
            } else {
                (ours.decode(&mut a), any.decode(&mut b), lines.decode(&mut c))
            };
            let why = || {
                format!(
                    "max {max}, chunk {chunk}, {fed} bytes fed: framelab {x:?}, AnyDelimiterCodec {y:?}, LinesCodec {z:?}"
                )
            };
            // What the tokio codecs should say, from framelab's answer.
            let (line, done): (Option<&[u8]>, bool) = match &x {
                Ok(Some(f)) => (Some(&f[..]), false),
                Ok(None) => (None, true),
                Err(DelimiterError::MaxLengthExceeded { .. }) => {
                    let ok = matches!(y, Err(AnyDelimiterCodecError::MaxChunkLengthExceeded))
                        && matches!(z, Err(LinesCodecError::MaxLineLengthExceeded));
                    assert!(ok, "diff_lines: different errors: {}", why());
                    continue;
                }
                // N1: the tail is a last line for tokio.
                Err(DelimiterError::Unterminated { len }) if eof => {
                    let Ok(Some(t)) = &y else { panic!("diff_lines: N1: {}", why()) };
                    assert_eq!(t.len(), *len, "diff_lines: N1: {}", why());
                    (Some(&t[..]), true)
                }
                Err(_) => panic!("diff_lines: unexpected framelab error: {}", why()),
            };
            match line {
                None => assert!(
                    matches!((&y, &z), (Ok(None), Ok(None))),
                    "diff_lines: framelab needs more bytes, tokio does not: {}",
                    why()
                ),
                Some(l) => {
                    if x.is_ok() {
                        assert!(
                            matches!(&y, Ok(Some(t)) if t[..] == l[..]),
                            "diff_lines: AnyDelimiterCodec differs: {}",
                            why()
                        );
                    }
                    // N2, N3.
                    let stripped = l.strip_suffix(b"\r").unwrap_or(l);
                    let lone_cr_at_eof = eof && l == b"\r" && x.is_err();
                    match (&z, std::str::from_utf8(stripped)) {
                        (Ok(None), _) if lone_cr_at_eof => {}
                        (Ok(Some(s)), Ok(want)) if s == want => {}
                        (Err(LinesCodecError::Io(e)), Err(_)) if e.kind() == std::io::ErrorKind::InvalidData => {}
                        _ => panic!("diff_lines: LinesCodec differs (rules N2, N3): {}", why()),
                    }
                }
            }
            if done {
                break;
            }
        }
        if eof {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::FUZZ_PRESETS;
    use bytes::Bytes;
    use tokio_util::codec::Encoder;

    /// Rule L2 of `diff_length_prefix`, shown on tokio-util alone: with a
    /// header-inclusive `u8` length, tokio's encoder writes a 254-byte body
    /// as the field 255, and its decoder refuses that field.
    #[test]
    fn tokio_length_delimited_refuses_its_own_u8_header_inclusive_frame() {
        use tokio_util::codec::LengthDelimitedCodec;
        let mut c = LengthDelimitedCodec::builder()
            .length_field_length(1)
            .length_adjustment(-1)
            .max_frame_length(255)
            .new_codec();
        let mut wire = BytesMut::new();
        c.encode(Bytes::from(vec![b'x'; 254]), &mut wire).unwrap();
        assert_eq!(wire[0], 255);
        assert!(c.decode(&mut wire).is_err(), "tokio-util now takes it: drop rule L2");
        // framelab takes it, and diff_length_prefix accepts the difference.
        let f = LengthPrefix { includes_header: true, max_frame: 254, ..LengthPrefix::preset("u8").unwrap() };
        let mut wire = BytesMut::from(&[255u8][..]);
        wire.extend_from_slice(&[b'x'; 254]);
        assert_eq!(LengthPrefixCodec::new(f).decode(&mut wire).unwrap().unwrap().len(), 254);
        let config = (0..=255u8).find(|c| FUZZ_PRESETS[*c as usize % FUZZ_PRESETS.len()] == "u8" && c & 0x80 != 0);
        let max = DIFF_MAXES.iter().position(|m| *m == 254).unwrap() as u8;
        let mut input = vec![config.unwrap(), max, 63, 255];
        input.extend_from_slice(&[b'x'; 254]);
        diff_length_prefix(&input);
    }

    #[test]
    fn diff_lines_accepts_the_documented_differences() {
        let max = DIFF_MAXES.iter().position(|m| *m == 8).unwrap() as u8;
        // N1 (unterminated tail), N2 (\r), N3 (not UTF-8), an over-long line.
        diff_lines(&[&[max, 2][..], b"a\r\n\xff\n123456789\nok\n\r"].concat());
        diff_lines(&[&[max, 0][..], b"tail"].concat());
    }
}
