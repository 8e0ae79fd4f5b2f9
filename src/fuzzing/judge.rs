//! `judge_claims`: the black-box judge's reading of replies.

use bytes::{Bytes, BytesMut};
use sha2::{Digest, Sha256};
use tokio_util::codec::Encoder;

use crate::judge::blackbox::{Claim, SentStream, map_claims};
use crate::scenario::Verdict;

/// `judge_claims`: the black-box judge's reading of replies
/// ([`map_claims`](crate::judge::blackbox::map_claims)), the verdict every
/// run against anyone's server rests on, on arbitrary messages read by a
/// model server that cuts the stream anywhere and answers each piece.
///
/// Input: `[mode, n, cut × n, messages split by 0xff]`. `mode` bits 0-1
/// pick the reply (echo, upper-case, digest, length), bit 4 alters one
/// reply, bits 5-7 which one; each cut byte is, when even, the message
/// boundary `cut / 2` (modulo their number), when odd, the offset `cut / 2`
/// 128ths of the stream. With no cuts the server answers each message.
///
/// The oracle, on the naive stream (the messages back to back, where a
/// reply's place is the server's read): with C the read ends and B the
/// message ends,
/// - C = B is `intact`, C ⊊ B `coalesced`, B ⊊ C `split`;
/// - any other C is `coalesced`, `split` or `desync`, never `intact` or
///   `lost`;
/// - an altered reply (one byte, one digest byte, a length one more) is
///   never `intact`.
///
/// On the delimiter and length-prefix streams of the same messages, the
/// messages or their whole frames echoed back are `intact`, and the model
/// server's pieces give a verdict without a panic. Digest replies of the
/// messages parse back; any message read as a digest reply gives a claim
/// or `None`, never a panic.
pub fn judge_claims(data: &[u8]) {
    let [mode, n, rest @ ..] = data else { return };
    let (cut_bytes, body) = rest.split_at((*n as usize % 64).min(rest.len()));
    // At most 24 messages: the judge searches every reading, and a bare
    // length fits almost anywhere.
    let messages: Vec<Bytes> = body.split(|x| *x == 0xff).take(24).map(Bytes::copy_from_slice).collect();
    let reply = Reply(*mode);
    let (ends, cuts) = ends_and_cuts(&messages, cut_bytes);
    naive_stream(reply, &messages, &ends, &cuts);
    framed_streams(reply, &messages, &cuts);
    digest_replies(&messages);
}

/// The model server's reply to a piece of the stream, as `mode` bits 0-1
/// say, and (bit 4, bits 5-7) which one it alters.
#[derive(Clone, Copy)]
struct Reply(u8);

impl Reply {
    fn claim(self, piece: &[u8]) -> Claim {
        match self.0 & 3 {
            0 => Claim::Content(Bytes::copy_from_slice(piece)),
            1 => Claim::Upper(Bytes::from(piece.to_ascii_uppercase())),
            2 => Claim::Digest { len: piece.len(), sha256: Sha256::digest(piece).into() },
            _ => Claim::Len(piece.len()),
        }
    }

    /// The replies to the pieces of `stream` between `cuts`.
    fn pieces(self, stream: &[u8], cuts: &[usize]) -> Vec<Claim> {
        let mut start = 0;
        let mut replies = Vec::with_capacity(cuts.len());
        for &c in cuts {
            let c = c.min(stream.len());
            if c > start {
                replies.push(self.claim(&stream[start..c]));
                start = c;
            }
        }
        replies
    }

    /// Reply `claims[i]` altered (one byte, one digest byte, a length one
    /// more), `i` from the mode's bits 5-7; `None` when the mode alters
    /// nothing.
    fn altered(self, claims: &[Claim]) -> Option<(usize, Vec<Claim>)> {
        let mode = self.0;
        if mode & 0x10 == 0 || claims.is_empty() {
            return None;
        }
        let mut claims = claims.to_vec();
        let i = (mode as usize >> 5) % claims.len();
        claims[i] = match &claims[i] {
            Claim::Content(b) | Claim::Upper(b) => {
                let mut v = b.to_vec();
                v[0] ^= 1;
                if mode & 3 == 0 { Claim::Content(v.into()) } else { Claim::Upper(v.into()) }
            }
            Claim::Digest { len, sha256 } => {
                let mut sha256 = *sha256;
                sha256[0] ^= 1;
                Claim::Digest { len: *len, sha256 }
            }
            Claim::Len(n) => Claim::Len(n + 1),
        };
        Some((i, claims))
    }
}

/// The ends of the messages on the naive stream (the messages back to
/// back), and the ends of the model server's reads: each cut byte, when
/// even, the message boundary `cut / 2` (modulo their number), when odd,
/// the offset `cut / 2` 128ths of the stream; with no cuts, the message
/// ends.
fn ends_and_cuts(messages: &[Bytes], cut_bytes: &[u8]) -> (Vec<usize>, Vec<usize>) {
    let len: usize = messages.iter().map(Bytes::len).sum();
    let mut ends: Vec<usize> = messages
        .iter()
        .scan(0, |at, m| {
            *at += m.len();
            Some(*at)
        })
        .collect();
    ends.dedup();
    ends.retain(|e| *e > 0);
    let mut cuts: Vec<usize> = if cut_bytes.is_empty() {
        ends.clone()
    } else {
        let mut c: Vec<usize> = cut_bytes
            .iter()
            .filter_map(|b| match b & 1 {
                0 => (!ends.is_empty()).then(|| ends[(*b as usize / 2) % ends.len()]),
                _ => Some(len * (*b as usize / 2) / 128),
            })
            .filter(|c| *c > 0 && *c < len)
            .collect();
        if len > 0 {
            c.push(len);
        }
        c
    };
    cuts.sort_unstable();
    cuts.dedup();
    (ends, cuts)
}

/// The oracle on the naive stream: with C the read ends and B the message
/// ends, C = B is `intact`, C ⊊ B `coalesced`, B ⊊ C `split`, any other C
/// `coalesced`, `split` or `desync`; an altered reply is never `intact`.
fn naive_stream(reply: Reply, messages: &[Bytes], ends: &[usize], cuts: &[usize]) {
    let stream: Vec<u8> = messages.concat();
    let claims = reply.pieces(&stream, cuts);
    let naive = SentStream::new(&crate::framing::FramingSpec::default(), messages, messages)
        .expect("a naive stream maps every message");
    let got = map_claims(&naive, &claims).verdict;
    let subset = |a: &[usize], b: &[usize]| a.iter().all(|x| b.binary_search(x).is_ok());
    let want = if cuts == ends {
        Some(Verdict::Intact)
    } else if subset(cuts, ends) {
        Some(Verdict::Coalesced)
    } else if subset(ends, cuts) {
        Some(Verdict::Split)
    } else {
        None
    };
    match want {
        Some(w) => assert_eq!(got, w, "reads ending at {cuts:?}, messages at {ends:?}"),
        None => assert!(
            matches!(got, Verdict::Coalesced | Verdict::Split | Verdict::Desync),
            "reads ending at {cuts:?} cross message ends {ends:?}, judged {got:?}"
        ),
    }
    if let Some((i, claims)) = reply.altered(&claims) {
        let got = map_claims(&naive, &claims).verdict;
        assert_ne!(got, Verdict::Intact, "reply {} altered, reads ending at {cuts:?}", i + 1);
    }
    assert_eq!(map_claims(&naive, &[Claim::Len(usize::MAX)]).verdict, Verdict::Desync);
}

/// Framed streams, made by framelab's own encoders: the messages, or
/// their frames, echoed back are intact. A delimiter's frame starts
/// where its payload does; a length-prefix header may read as a payload
/// (a message of one 0 byte is also the start of its header), and then
/// the replies cannot tell: inconclusive.
fn framed_streams(reply: Reply, messages: &[Bytes], cuts: &[usize]) {
    let delimited: Vec<Bytes> =
        messages.iter().map(|m| m.iter().copied().filter(|x| *x != b'\n').collect::<Bytes>()).collect();
    for (name, messages) in [("delimiter", &delimited[..]), ("length-prefix", messages)] {
        let spec: crate::framing::FramingSpec = name.parse().expect("a default spec");
        let mut codec = spec.codec();
        let framed: Result<Vec<Bytes>, _> = messages
            .iter()
            .map(|m| {
                let mut out = BytesMut::new();
                codec.encode(&m[..], &mut out).map(|()| out.freeze())
            })
            .collect();
        // Only a message over the default maximum is refused (a longer
        // input than libFuzzer's default gives).
        let Ok(frames) = framed else { continue };
        let wire = SentStream::new(&spec, &frames, messages).expect("frames of the messages");
        // Empty messages in a row may also be a byte reader's reads of
        // delimiters (`a` | `\n` | `\n\n`, each taken off): then the
        // replies cannot tell either.
        let headers = matches!(spec, crate::framing::FramingSpec::LengthPrefix(_));
        let empties = messages.windows(2).any(|w| w[0].is_empty() && w[1].is_empty());
        let right = |v: Verdict| v == Verdict::Intact || (v == Verdict::Inconclusive && (headers || empties));
        // Every message answered, an empty one too (its frame is on the
        // wire: one with no reply was skipped or merged, issue 34).
        let each: Vec<Claim> = messages.iter().map(|m| reply.claim(m)).collect();
        let got = map_claims(&wire, &each);
        assert!(right(got.verdict), "{spec}: each message answered, judged {} ({})", got.verdict, got.detail);
        let whole: Vec<Claim> = frames.iter().map(|f| Claim::Content(f.clone())).collect();
        let got = map_claims(&wire, &whole);
        assert!(right(got.verdict), "{spec}: each frame echoed, judged {} ({})", got.verdict, got.detail);
        // The model server's pieces of the framed stream: any verdict.
        let _ = map_claims(&wire, &reply.pieces(&frames.concat(), cuts));
    }
}

/// Digest replies: those of the messages parse back; anything else
/// parses or not, without a panic.
fn digest_replies(messages: &[Bytes]) {
    for m in messages.iter().take(4) {
        let reply = crate::reply::digest_reply(m);
        let want = Claim::Digest { len: m.len(), sha256: Sha256::digest(m).into() };
        assert_eq!(Claim::parse_digest(&reply), Some(want));
        let _ = Claim::parse_digest(m);
    }
}
