//! Counting replies in an unframed reply stream.
//!
//! Without a reply framing, replies are a byte stream: where the client's
//! reads happened to cut it means nothing. A [`Tally`] counts what the
//! stream holds so far, whatever the reads: fixed texts, pattern matches,
//! or bytes. The client waits on the count; the judge reads the whole
//! stream ([`crate::judge::blackbox`]).

use bytes::Bytes;

/// How replies are counted in an unframed stream.
#[derive(Debug, Clone, Default)]
pub enum Tally {
    /// Nothing countable: read until the peer is quiet or closes.
    #[default]
    Nothing,
    /// Every byte is one (echo, upper: the count to wait for is a length).
    Bytes,
    /// Non-overlapping occurrences of this text (an ack, a list of
    /// identical replies).
    Text(Bytes),
    /// Non-overlapping matches of this pattern (digest lines, `match`).
    Pattern(regex::bytes::Regex),
}

/// A running count over a growing stream: each byte is scanned a bounded
/// number of times (a partial match at the end is looked at again when
/// more bytes come).
#[derive(Debug, Default)]
pub(crate) struct Counter {
    /// Units counted so far (a pattern match that touches the end of the
    /// stream counts, though it may still grow).
    pub count: usize,
    /// Matches that can no longer change.
    done: usize,
    /// Where the next scan starts.
    scanned: usize,
}

impl Counter {
    /// Counts what `stream[self.scanned..]` adds.
    pub fn update(&mut self, tally: &Tally, stream: &[u8]) {
        match tally {
            Tally::Nothing => {}
            Tally::Bytes => {
                self.count = stream.len();
                self.scanned = stream.len();
            }
            Tally::Text(t) if t.is_empty() => {}
            Tally::Text(t) => {
                let finder = memchr::memmem::Finder::new(&t[..]);
                while let Some(at) = finder.find(&stream[self.scanned..]) {
                    self.count += 1;
                    self.scanned += at + t.len();
                }
            }
            Tally::Pattern(re) => {
                // Only matches that end before the stream's end are final:
                // a match touching the end may still grow.
                let mut at = self.scanned;
                let mut open = 0;
                while let Some(m) = re.find_at(stream, at) {
                    if m.end() == m.start() {
                        break;
                    }
                    if m.end() >= stream.len() {
                        open = 1;
                        break;
                    }
                    self.done += 1;
                    at = m.end();
                }
                self.scanned = at;
                self.count = self.done + open;
            }
        }
    }
}

/// Non-overlapping occurrences of `text` in `stream`, and the bytes of the
/// stream that are not part of one.
pub fn occurrences(stream: &[u8], text: &[u8]) -> (usize, usize) {
    if text.is_empty() {
        return (0, stream.len());
    }
    let n = memchr::memmem::find_iter(stream, text)
        .fold((0usize, 0usize), |(n, end), at| if at >= end { (n + 1, at + text.len()) } else { (n, end) });
    (n.0, stream.len() - n.0 * text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_in_pieces(tally: &Tally, stream: &[u8], piece: usize) -> usize {
        let mut c = Counter::default();
        for end in (piece..stream.len()).step_by(piece).chain([stream.len()]) {
            c.update(tally, &stream[..end]);
        }
        c.count
    }

    #[test]
    fn counts_do_not_depend_on_where_the_stream_was_cut() {
        let acks = b"Receive your message!Receive your message!Receive your message!";
        let digests = b"len=3 sha256=aa\nlen=4 sha256=bb\n";
        let t = Tally::Text(Bytes::from_static(b"Receive your message!"));
        let p = Tally::Pattern(regex::bytes::Regex::new(r"len=\d+ sha256=[0-9a-f]+\n").unwrap());
        for piece in [1, 2, 5, 7, 1000] {
            assert_eq!(count_in_pieces(&t, acks, piece), 3, "piece {piece}");
            assert_eq!(count_in_pieces(&p, digests, piece), 2, "piece {piece}");
            assert_eq!(count_in_pieces(&Tally::Bytes, acks, piece), acks.len());
        }
        assert_eq!(occurrences(acks, b"Receive your message!"), (3, 0));
        assert_eq!(occurrences(b"aaa", b"aa"), (1, 1));
    }
}
