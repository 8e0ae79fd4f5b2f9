//! One case of the `judge_sound` model, built from the fuzzer's bytes:
//! the scenario, what the model server understood and wrote back, what
//! the client made of it, and the truth.

use std::ops::ControlFlow;

use bytes::{Bytes, BytesMut};
use tokio_util::codec::Encoder;

use super::{ANSWERS_FRAMING, End, Input, Item, ORACLES, Oracle, answers, exact, message, reply, truth, understand};
use crate::client::{ClientOutcome, ReplyError};
use crate::framing::FramingSpec;
use crate::framing::feed::{self, Event};
use crate::judge::blackbox::{SentStream, upper};
use crate::scenario::{self, Verdict};

/// One case of the model: the scenario, the outcome the client would see,
/// and the truth. `None` when the input does not make a case.
pub(super) fn case(data: &[u8]) -> Option<(scenario::Scenario, scenario::Prepared, ClientOutcome, Verdict)> {
    let mut i = Input(data);
    let client = ["raw", "delimiter", "length-prefix"][i.below(3)];
    let oracle = ORACLES[i.below(ORACLES.len())];
    let reply_framing = ["", "delimiter", "length-prefix"][i.below(3)];
    // Answers are a protocol's: its requests, its replies.
    let (client, reply_framing) =
        if oracle == Oracle::Answers { (ANSWERS_FRAMING, ANSWERS_FRAMING) } else { (client, reply_framing) };
    let n = 1 + i.below(5);
    let messages: Vec<String> = (0..n)
        .map(|_| {
            if oracle == Oracle::Answers {
                ["PING", "GET a", "SET a b", "ECHO ß", "DEL a b"][i.below(5)].to_string()
            } else {
                message(&mut i, client == "delimiter")
            }
        })
        .collect();
    let answer_style = if oracle == Oracle::Answers { i.byte() } else { 0 };
    // A list's replies: distinct, or repeating with a period (the same
    // reply to several requests, as MQTT's PINGRESP).
    let answers = if oracle == Oracle::List {
        let period = 1 + i.below(n);
        (0..n).map(|k| format!("r{}", k % period)).collect()
    } else {
        answers(answer_style, n)
    };
    let text = scenario_text(client, reply_framing, oracle, &messages, &answers);
    let path = std::path::Path::new("sound.toml");
    let mut sc = scenario::parse(&text, path).ok()?;
    let prep = scenario::prepare(&sc, 1, true).ok()?;
    // A protocol request is its whole frame: what the server must understand.
    let wire = if oracle == Oracle::Answers {
        SentStream::new(&prep.client_framing, &prep.frames, &prep.frames)?
    } else {
        SentStream::new(&prep.client_framing, &prep.frames, &prep.messages)?
    };
    // The stream's length, once known (parsing the text again with it
    // gives the same scenario, at twice the cost).
    if sc.response.bytes.is_some() {
        sc.response.bytes = Some(wire.bytes().len().max(1));
    }
    let mut items = understand(&mut i, &wire, client == "delimiter");
    let tiles = items.iter().try_fold(0, |at, it| (it.span.0 == at).then_some(it.span.1)) == Some(wire.bytes().len());
    if oracle == Oracle::Bytes && (!tiles || items.iter().any(|it| it.about != wire.bytes()[it.span.0..it.span.1])) {
        // `bytes` is modelled with a byte reader's verbatim echo only.
        return None;
    }
    let style = i.byte();
    // Verbatim: a byte reader writing each read back as it came. (A
    // server that reads frames writes replies in the reply framing, or it
    // is a server whose replies are not what `[response]` says.)
    let reads_bytes = items.iter().try_fold(0, |at, it| (it.span.0 == at).then_some(it.span.1)).is_some();
    // Its replies are then framed like the requests (or not at all): a
    // verbatim echo under another reply framing is a server whose replies
    // are not in the framing `[response]` says (four zero bytes of a line
    // read as an empty length-prefixed reply), which no judge can read.
    let verbatim = matches!(oracle, Oracle::Echo | Oracle::Upper)
        && i.below(2) == 0
        && reads_bytes
        && (reply_framing.is_empty() || reply_framing == client);
    let merged_first = i.below(2) == 0;
    let (end, answered) = connection_end(&mut i, items.len(), oracle);
    // The server read this far before it answered and ended: the client
    // had written at least that much when it saw the end.
    let read_to = items[..answered].iter().map(|it| it.span.1).max().unwrap_or(0);
    let t = truth(&wire, &items, answered, end);
    swap_replies(&mut i, &mut items[..answered], &wire, reads_bytes, oracle);
    let server = Server { oracle, end, verbatim, style, merged_first, answers: &answers };
    let stream = server.bytes(sc.response.framing.as_ref(), &items[..answered], &wire);
    let out =
        server.client_outcome(&mut i, sc.response.framing.clone(), &prep.frames, (read_to, wire.bytes().len()), stream);
    Some((sc, prep, out, t))
}

/// The scenario file of a case: the client's framing and messages, and a
/// `[response]` as the oracle and the reply framing say (`bytes = 1` for
/// [`Oracle::Bytes`]: [`case`] sets the stream's length once known).
fn scenario_text(client: &str, reply_framing: &str, oracle: Oracle, messages: &[String], answers: &[String]) -> String {
    let list = messages.iter().map(|m| toml::Value::String(m.clone()).to_string()).collect::<Vec<_>>().join(", ");
    let framed = oracle != Oracle::Bytes && !reply_framing.is_empty();
    let framing_line = if framed { format!("framing = \"{reply_framing}\"\n") } else { String::new() };
    let response = match oracle {
        Oracle::Echo => "expect = \"echo\"".to_string(),
        Oracle::Upper => "expect = \"upper\"".to_string(),
        Oracle::Digest => "expect = \"digest\"".to_string(),
        Oracle::Len => "match = 'len (?P<len>\\d+)'".to_string(),
        Oracle::Ack => "expect = \"ack\"".to_string(),
        Oracle::Count => "match = 'ok'".to_string(),
        Oracle::List => {
            format!("replies = [{}]", answers.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", "))
        }
        Oracle::Bytes => "expect = \"echo\"\nbytes = BYTES".to_string(),
        Oracle::Answers => format!(
            "answers = [{}]",
            answers.iter().map(|a| toml::Value::String(a.clone()).to_string()).collect::<Vec<_>>().join(", ")
        ),
    };
    format!(
        "[target]\naddr = \"127.0.0.1:9\"\n[client]\nframing = \"{client}\"\nmessages = [{list}]\n[response]\n{framing_line}{}\n",
        response.replace("BYTES", "1")
    )
}

/// How the connection ends, from the input, and how many of the server's
/// `items` it answers before that.
fn connection_end(i: &mut Input, items: usize, oracle: Oracle) -> (End, usize) {
    let end = match i.below(5) {
        0 => End::Reset(i.below(items + 1)),
        1 => End::Quiet(i.below(items.max(1))),
        // (A refusal of protocol requests is an answer the scenario expects:
        // the answer style with `-ERR`.)
        2 if items > 0 && oracle != Oracle::Answers => End::Refused,
        _ => End::Answered,
    };
    let answered = match end {
        End::Reset(k) | End::Quiet(k) => k.min(items),
        End::Refused => 0,
        End::Answered => items,
    };
    let end = match end {
        End::Quiet(k) if k >= items => End::Answered,
        e => e,
    };
    (end, answered)
}

/// Two replies swapped, when the input says so and the server is one that
/// could (after the truth: the server understood the same).
///
/// Out of order: a server that reads frames answers requests it knows
/// (a byte reader answers its reads as they come), with replies that
/// say which message they are about (a bare length cannot).
/// Two answers to whole messages swapped: a server answering requests
/// as they complete (pieces and merges are answered in order).
/// Such a server reads its frames whole: one that answers out of order
/// and also cuts, truncates or merges messages is not modelled (the
/// judge reads pieces in order; docs/fuzzing.md).
fn swap_replies(i: &mut Input, answered: &mut [Item], wire: &SentStream, reads_bytes: bool, oracle: Oracle) {
    let swap = i.below(4) == 0
        && answered.len() >= 2
        && !reads_bytes
        && answered.iter().all(|it| exact(wire, it.span).is_some())
        && matches!(oracle, Oracle::Echo | Oracle::Upper | Oracle::Digest | Oracle::List);
    if swap {
        let (a, b) = (i.below(answered.len()), i.below(answered.len()));
        if exact(wire, answered[a].span).is_some() && exact(wire, answered[b].span).is_some() {
            answered.swap(a, b);
        }
    }
}

/// How the model server answers, as the input chose.
struct Server<'a> {
    oracle: Oracle,
    end: End,
    /// Each read written back as it came (a byte reader's echo).
    verbatim: bool,
    /// Which spelling of a reply (upper-case in Unicode or ASCII, ...).
    style: u8,
    /// Whether whole protocol requests merged in a read get the first one's answer.
    merged_first: bool,
    answers: &'a [String],
}

impl Server<'_> {
    /// The server's bytes, one reply after the other: to each of the
    /// `answered` items, in the reply framing `framing` (none: back to
    /// back), or the refusal.
    fn bytes(&self, framing: Option<&FramingSpec>, answered: &[Item], wire: &SentStream) -> Vec<u8> {
        let Server { oracle, end, verbatim, style, merged_first, answers } = *self;
        let mut stream = Vec::new();
        let mut enc = framing.map(|s| s.codec());
        let mut write = |r: &[u8], stream: &mut Vec<u8>, verbatim: bool| match (&mut enc, verbatim) {
            (Some(c), false) => {
                let mut out = BytesMut::new();
                if c.encode(r, &mut out).is_ok() {
                    stream.extend_from_slice(&out);
                } else {
                    // A delimiter inside the reply: written with its
                    // delimiter all the same, as a plain server does.
                    stream.extend_from_slice(r);
                    stream.push(b'\n');
                }
            }
            _ => {
                stream.extend_from_slice(r);
                if matches!(oracle, Oracle::Digest | Oracle::Len | Oracle::Count) {
                    stream.push(b'\n');
                }
            }
        };
        if end == End::Refused {
            write(b"ERROR: no", &mut stream, false);
        } else {
            for it in answered {
                // Verbatim: the read as it came (a delimiter kept).
                let read = &wire.bytes()[it.span.0..it.span.1];
                let r = if verbatim && oracle == Oracle::Upper {
                    if style.is_multiple_of(2) { upper(read) } else { read.to_ascii_uppercase() }
                } else if verbatim {
                    read.to_vec()
                } else {
                    reply(oracle, it, wire, style, merged_first, answers)
                };
                // Protocol values are written as they are.
                write(&r, &mut stream, verbatim || oracle == Oracle::Answers);
            }
        }
        stream
    }

    /// What the client sees of the server's `stream` after writing
    /// `written` bytes: the replies its reply codec cuts from the stream
    /// fed in two pieces cut where the input says (unframed: the stream
    /// whole), and how the connection ended: when the server closed or
    /// reset it, how far into the writes (at least `read_to`, what the
    /// server had read) and whether before the client's half-close.
    fn client_outcome(
        &self,
        i: &mut Input,
        framing: Option<FramingSpec>,
        frames: &[Bytes],
        (read_to, written): (usize, usize),
        stream: Vec<u8>,
    ) -> ClientOutcome {
        let end = self.end;
        let mut out = ClientOutcome {
            eof: matches!(end, End::Answered | End::Refused),
            reset_by_peer: matches!(end, End::Reset(_)),
            hung: matches!(end, End::Quiet(_)),
            written,
            ..Default::default()
        };
        match framing.filter(|_| self.oracle != Oracle::Bytes) {
            Some(spec) => {
                let mut codec = crate::judge::protocol::reply_codec(&spec, frames);
                let cut = i.below(stream.len() + 1);
                // As the client does: where the last reply ended, to tell an
                // incomplete one at the end (a header already taken off).
                let (mut read, mut decoded_to) = (0usize, 0usize);
                let pieces = [&stream[..cut], &stream[cut..]];
                let _ = feed::feed(&mut codec, &mut BytesMut::new(), pieces, false, |ev| {
                    match ev {
                        Event::Read(piece) => read += piece.len(),
                        Event::Frame(r, call) => {
                            decoded_to = read - call.after;
                            out.replies.push(r.freeze());
                        }
                        Event::Error(e, _) => {
                            out.reply_errors.push(ReplyError::Decode { kind: e.kind(), detail: e.to_string() });
                            return ControlFlow::Break(());
                        }
                        Event::Drained(_) => {}
                    }
                    ControlFlow::Continue(())
                });
                if read > decoded_to && out.reply_errors.is_empty() {
                    out.reply_errors.push(ReplyError::Incomplete(read - decoded_to));
                }
            }
            None => {
                out.unframed = true;
                out.replies = vec![Bytes::from(stream)];
            }
        }
        if matches!(end, End::Answered | End::Refused | End::Reset(_)) {
            // A reset may come before the client has written everything;
            // a server that answered all, or refused, had read it all.
            let after_written = match end {
                End::Reset(_) => read_to + i.below(written.saturating_sub(read_to) + 1),
                _ => written,
            };
            out.peer_end = Some(crate::client::PeerEnd {
                reset: matches!(end, End::Reset(_)),
                after_replies: out.replies.len(),
                after_written,
                before_half_close: i.below(2) == 0,
            });
        }
        out
    }
}
