//! A scenario made concrete from its seed ([`prepare`]): the messages, their
//! frames, what the server must understand, and the write plan. Pure data,
//! no sockets: the runner carries it out, the judges compare against it.

use bytes::{BufMut, Bytes, BytesMut};
use tokio_util::codec::Encoder;

use super::model::{Overflow, Scenario};
use crate::fault::payload::forge_header;
use crate::fault::{self, Action, PlanSpec, payload};
use crate::framing::{AnyCodec, FramingError, FramingSpec, KnobError, Knobs, LengthPrefixError};
use crate::seed::{FNV_OFFSET, fnv1a};

/// A scenario made concrete from its seed: pure data, no sockets.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Server framing (reference server), after knobs.
    pub server_framing: Option<FramingSpec>,
    /// Client framing.
    pub client_framing: FramingSpec,
    /// Messages sent.
    pub messages: Vec<Bytes>,
    /// What the server must understand.
    pub expected: Vec<Bytes>,
    /// Frames on the wire.
    pub frames: Vec<Bytes>,
    /// The write plan.
    pub actions: Vec<Action>,
}

impl Prepared {
    /// How many writes the plan makes.
    pub fn write_count(&self) -> usize {
        self.actions.iter().filter(|a| matches!(a, Action::Write(_))).count()
    }

    /// The size of each write of the plan.
    pub fn write_sizes(&self) -> Vec<usize> {
        self.actions.iter().filter_map(|a| if let Action::Write(w) = a { Some(w.len()) } else { None }).collect()
    }
}

/// Why a scenario could not be made concrete.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A server knob does not apply to the strategy.
    #[error(transparent)]
    Knob(#[from] KnobError),
    /// The client's codec refused a message.
    #[error("the client's encoder refused a {len}-byte message: {source}")]
    Encode {
        /// The message's length.
        len: usize,
        /// The codec's error.
        source: FramingError,
    },
    /// `forge-header` with a framing that has no length header.
    #[error("forge-header needs a length-prefix or json-header client framing, not {0}")]
    ForgeHeader(String),
    /// The task making the plan failed.
    #[error("preparing the plan failed: {0}")]
    Task(String),
}

/// The server's framing knobs as a scenario gives them.
pub fn knobs(sc: &Scenario) -> Knobs {
    Knobs {
        read_size: sc.server.read_size,
        max_frame: sc.server.max_frame,
        delimiter: sc.server.delimiter.clone(),
        preset: sc.server.preset.clone(),
    }
}

/// Frames `msg` with `codec`; with [`Overflow::Wrap`], a length that does
/// not fit the header wraps modulo its width, as the tutorials' encoders do.
pub fn encode_frame(codec: &mut AnyCodec, msg: &[u8], overflow: Overflow) -> Result<Bytes, PlanError> {
    let mut out = BytesMut::new();
    match codec.encode(msg, &mut out) {
        Ok(()) => Ok(out.freeze()),
        Err(FramingError::LengthPrefix(LengthPrefixError::DoesNotFitHeader { .. })) if overflow == Overflow::Wrap => {
            let AnyCodec::LengthPrefix(c) = codec else { unreachable!() };
            let f = c.format();
            out.clear();
            let off = f.offset.min(msg.len());
            out.put_slice(&msg[..off]);
            f.write_raw((msg.len() - off) as i128, &mut out);
            out.put_slice(&msg[off..]);
            Ok(out.freeze())
        }
        Err(source) => Err(PlanError::Encode { len: msg.len(), source }),
    }
}

/// Makes a scenario concrete: messages, frames and the write plan.
/// `target`: the scenario runs against a target, not a reference server.
pub fn prepare(sc: &Scenario, seed: u64, target: bool) -> Result<Prepared, PlanError> {
    let mut rng = fault::rng(seed);
    let server_framing = if target { None } else { Some(knobs(sc).apply(sc.server.strategy.clone())?) };
    let client_framing = sc.client.framing.clone().or_else(|| server_framing.clone()).unwrap_or_default();
    let mut messages: Vec<Bytes> = sc.client.messages.iter().map(|m| m.bytes().clone()).collect();
    if let Some(g) = &sc.client.generate {
        messages.extend(payload::generate(g.kind, g.count, g.size, &mut rng));
    }
    let mut codec = client_framing.codec();
    let mut frames = Vec::with_capacity(messages.len() + 1);
    let mut expected_default = messages.clone();
    match (&sc.client.forge_header, &client_framing) {
        (Some(v), FramingSpec::LengthPrefix(p)) => {
            frames.push(forge_header(p, *v));
            frames.extend(messages.iter().cloned());
            expected_default.clear();
        }
        (Some(v), FramingSpec::JsonHeader(j)) => {
            frames.push(forge_header(&j.prefix, *v));
            frames.extend(messages.iter().cloned());
            expected_default.clear();
        }
        (Some(_), other) => return Err(PlanError::ForgeHeader(other.to_string())),
        (
            None,
            FramingSpec::Udp(crate::framing::UdpFormat { .. })
            | FramingSpec::Handshake(crate::framing::HandshakeFormat { .. }),
        ) => frames.extend(messages.iter().cloned()),
        (None, _) => {
            for m in &messages {
                frames.push(encode_frame(&mut codec, m, sc.client.overflow)?);
            }
        }
    }
    if let Some(limit) = sc.client.reset_after {
        // Only the frames wholly sent before the reset can be understood.
        let mut end = 0;
        let whole = frames.iter().take_while(|f| {
            end += f.len();
            end <= limit
        });
        let n = whole.count();
        expected_default.truncate(n);
    }
    let expected = match &sc.expect.messages {
        Some(m) => m.iter().map(|m| m.bytes().clone()).collect(),
        None => expected_default,
    };
    let spec = PlanSpec {
        schedule: sc.client.schedule.clone(),
        pause: sc.client.pause,
        sync: sc.client.sync,
        reset_after: sc.client.reset_after,
    };
    let actions = fault::plan(&frames, &spec, &mut rng);
    Ok(Prepared { server_framing, client_framing, messages, expected, frames, actions })
}

/// A fingerprint of a plan: its bytes and its write boundaries.
pub fn fingerprint(actions: &[Action]) -> String {
    let mut h = FNV_OFFSET;
    for a in actions {
        h = match a {
            Action::Write(w) => fnv1a(fnv1a(fnv1a(h, b"W"), &w.len().to_le_bytes()), w),
            Action::Sleep(d) => fnv1a(h, &d.as_nanos().to_le_bytes()),
            Action::Sync => fnv1a(h, b"S"),
            Action::Shutdown => fnv1a(h, b"F"),
            Action::Reset => fnv1a(h, b"R"),
        };
    }
    format!("{h:016x}")
}
