//! The structured inputs of `roundtrip_*` and `chunking_*`, and the raw
//! bytes `arbitrary` reads them from.

#[cfg(any(test, feature = "fuzzing"))]
use arbitrary::Arbitrary;

/// Input of `roundtrip_*` targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundtripInput {
    /// Picks the codec's knobs.
    pub config: u8,
    /// Messages to encode.
    pub messages: Vec<Vec<u8>>,
}

impl RoundtripInput {
    /// The raw fuzzer input that `with_arbitrary` turns back into this
    /// value, so that a case found by a property test, or written by hand,
    /// can be saved as a seed or regression file for `roundtrip_*`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.config];
        put_list(&mut out, &self.messages);
        out
    }
}

/// Input of `chunking_*` targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkingInput {
    /// Picks the codec's knobs.
    pub config: u8,
    /// Messages, framed by the codec's own encoder.
    pub messages: Vec<Vec<u8>>,
    /// Raw bytes appended after the frames (garbage, a partial frame).
    pub tail: Vec<u8>,
    /// Cut points into the stream.
    pub cuts: Vec<u16>,
}

impl ChunkingInput {
    /// The raw fuzzer input that `with_arbitrary` turns back into this
    /// value (see [`RoundtripInput::to_bytes`]), for `chunking_*` files.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![self.config];
        put_list(&mut out, &self.messages);
        put_bytes(&mut out, &self.tail);
        for c in &self.cuts {
            out.push(1);
            out.extend_from_slice(&c.to_le_bytes());
        }
        out.push(0);
        out
    }
}

// The encoding `arbitrary` (1.5) reads for these types: a `u8` is one byte,
// a `u16` two bytes little-endian, and every element of a `Vec` (whole or
// taking the rest) is preceded by a byte whose low bit says "one more",
// the list ending at a byte with the low bit clear or at the end of the
// data. A unit test below checks the round trip, so an `arbitrary` upgrade
// that changes the format fails loudly instead of silently turning the
// committed seeds into other inputs.
//
// `arbitrary`'s derived parser reads that byte by byte through generic
// iterators and grows each message's `Vec` a byte at a time: under ASan
// and the comparison tracing that was a sixth of a `chunking_*` target's
// time. `Raw` reads the same format directly, sizing each message before
// it allocates it; `Arbitrary::arbitrary_take_rest` (what `with_arbitrary`
// calls) uses it, and a unit test checks it against `arbitrary`'s own
// field-by-field parse on random bytes.
#[cfg(any(test, feature = "fuzzing"))]
struct Raw<'a>(&'a [u8]);

#[cfg(any(test, feature = "fuzzing"))]
impl Raw<'_> {
    /// The next byte, 0 once the data is used up (as `arbitrary` pads).
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    /// `bool`: the low bit of a byte.
    fn more(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn bytes(&mut self) -> Vec<u8> {
        // Pairs (flag, byte) while the flag's low bit is set.
        let n = self.0.chunks(2).take_while(|p| p[0] & 1 == 1).count();
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            self.byte();
            out.push(self.byte());
        }
        self.byte(); // the flag that ended the list
        out
    }
    fn list(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while self.more() {
            out.push(self.bytes());
        }
        out
    }
}

#[cfg(any(test, feature = "fuzzing"))]
impl<'a> Arbitrary<'a> for RoundtripInput {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(RoundtripInput { config: u.arbitrary()?, messages: u.arbitrary()? })
    }
    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut r = Raw(u.take_rest());
        let config = r.byte();
        Ok(RoundtripInput { config, messages: r.list() })
    }
}

#[cfg(any(test, feature = "fuzzing"))]
impl<'a> Arbitrary<'a> for ChunkingInput {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ChunkingInput {
            config: u.arbitrary()?,
            messages: u.arbitrary()?,
            tail: u.arbitrary()?,
            cuts: u.arbitrary()?,
        })
    }
    fn arbitrary_take_rest(u: arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut r = Raw(u.take_rest());
        let config = r.byte();
        let messages = r.list();
        let tail = r.bytes();
        let mut cuts = Vec::new();
        while r.more() {
            cuts.push(u16::from_le_bytes([r.byte(), r.byte()]));
        }
        Ok(ChunkingInput { config, messages, tail, cuts })
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    for b in bytes {
        out.extend_from_slice(&[1, *b]);
    }
    out.push(0);
}

fn put_list(out: &mut Vec<u8>, list: &[Vec<u8>]) {
    for m in list {
        out.push(1);
        put_bytes(out, m);
    }
    out.push(0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzzing::with_arbitrary;

    fn parse<T: for<'a> Arbitrary<'a> + Clone>(data: &[u8]) -> T {
        let got = std::cell::RefCell::new(None);
        with_arbitrary::<T>(data, |i| *got.borrow_mut() = Some(i.clone()));
        got.into_inner().expect("arbitrary refused the input")
    }

    #[test]
    fn roundtrip_input_bytes_parse_back_to_the_same_input() {
        for input in [
            RoundtripInput { config: 0, messages: vec![] },
            RoundtripInput { config: 7, messages: vec![vec![]] },
            RoundtripInput { config: 0x85, messages: vec![b"hello".to_vec(), vec![], vec![0xff; 300], vec![0, 1]] },
        ] {
            assert_eq!(parse::<RoundtripInput>(&input.to_bytes()), input);
        }
    }

    /// `Raw` against `arbitrary`'s generic parse, field by field as the
    /// derive did, on random bytes biased towards odd flags.
    #[test]
    fn raw_parser_reads_what_arbitrary_reads() {
        use arbitrary::Unstructured;
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for case in 0..5000 {
            let len = case % 97;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if x.is_multiple_of(3) { x as u8 } else { (x as u8) | 1 }
                })
                .collect();
            let mut u = Unstructured::new(&data);
            let config = u.arbitrary().unwrap();
            let want = RoundtripInput { config, messages: Vec::<Vec<u8>>::arbitrary_take_rest(u).unwrap() };
            assert_eq!(parse::<RoundtripInput>(&data), want, "{data:?}");
            let mut u = Unstructured::new(&data);
            let (config, messages, tail) = (u.arbitrary().unwrap(), u.arbitrary().unwrap(), u.arbitrary().unwrap());
            let want = ChunkingInput { config, messages, tail, cuts: Vec::<u16>::arbitrary_take_rest(u).unwrap() };
            assert_eq!(parse::<ChunkingInput>(&data), want, "{data:?}");
        }
    }

    #[test]
    fn chunking_input_bytes_parse_back_to_the_same_input() {
        for input in [
            ChunkingInput { config: 0, messages: vec![], tail: vec![], cuts: vec![] },
            ChunkingInput {
                config: 200,
                messages: vec![b"a\n".to_vec(), vec![], vec![9; 257]],
                tail: vec![0, 0, 0xff],
                cuts: vec![0, 1, 2, 65535, 300],
            },
        ] {
            assert_eq!(parse::<ChunkingInput>(&input.to_bytes()), input);
        }
    }
}
