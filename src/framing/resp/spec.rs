//! The `resp` strategy: its knobs' text syntax, its place in the registry,
//! its errors' kinds.

use std::fmt;

use super::{RespCodec, RespError, RespFormat};
use crate::framing::registry::{Codec, CodecError, FuzzBody, Strategy, StrategyInfo};
use crate::framing::spec::{Item, SpecProblem, positive, size_value, unexpected};
use crate::framing::{AnyCodec, ErrorKind, KnobError, Knobs};
use crate::units::Size;

/// The `resp` strategy.
#[derive(Debug)]
pub struct Resp;

impl Strategy for Resp {
    const INFO: StrategyInfo = StrategyInfo {
        name: "resp",
        aliases: &[],
        wire: "Redis RESP2/RESP3 values: +simple -error :int $len bulk *count array, _ # , ( ! = % ~ | > (RESP3)",
        knobs: &[
            ("max", "64MiB", "largest whole value, framing included; checked before any reservation"),
            ("depth", "128", "deepest aggregate nesting"),
        ],
    };
    type Format = RespFormat;
    const SPEC_SEEDS: &'static [&'static str] = &["resp", "resp:max=1MiB,depth=64", "resp:depth=0"];

    fn apply_item(f: &mut RespFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        match item.key {
            "max" => f.max = size_value("max", item.value)?,
            "depth" => f.depth = positive("depth", size_value("depth", item.value)?)?,
            _ => return Err(unexpected("max=SIZE or depth=N", item.text)),
        }
        Ok(())
    }

    fn write(r: &RespFormat, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "resp:max={},depth={}", Size(r.max), r.depth)
    }

    fn max_message(f: &RespFormat) -> usize {
        f.max
    }

    fn codec(f: &RespFormat) -> AnyCodec {
        RespCodec::new(*f).into()
    }

    const ANSWERS: Option<&'static dyn crate::framing::AnswerSyntax> = Some(&super::answer::RespAnswers);

    fn apply_knobs(f: &mut RespFormat, knobs: &Knobs) -> Result<(), KnobError> {
        knobs.refuse(Default::default())?;
        if let Some(m) = knobs.max_frame {
            f.max = m;
        }
        Ok(())
    }

    fn restating_knobs(f: &RespFormat) -> Knobs {
        Knobs { max_frame: Some(f.max), ..Knobs::default() }
    }
}

impl CodecError for RespError {
    fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            RespError::BadType { .. } => K::BadType,
            RespError::BareLineFeed { .. } | RespError::BadLine { .. } => K::BadLine,
            RespError::Overflow { .. } => K::Overflow,
            RespError::NegativeLength { .. } => K::NegativeLength,
            RespError::FrameTooLarge { .. } => K::FrameTooLarge,
            RespError::TooDeep { .. } => K::TooDeep,
            RespError::BadPayloadEnd { .. } | RespError::BadVerbatim { .. } => K::BadPayload,
            RespError::Truncated { .. } => K::Truncated,
            RespError::EmptyCommand | RespError::IncompleteMessage { .. } | RespError::TrailingBytes { .. } => {
                K::BadMessage
            }
            RespError::Failed => K::Failed,
            RespError::Io(_) => K::Io,
        }
    }
}

impl Codec for RespCodec {
    const ITEM_IS_FRAME: bool = true;
    const ROUNDTRIP: Option<crate::framing::registry::RoundtripOracle> = Some(super::roundtrip::roundtrip);

    #[cfg(test)]
    fn fuzz_seeds(body: FuzzBody, seeds: &mut dyn crate::framing::registry::SeedSink) {
        match body {
            FuzzBody::Decode => super::seeds::decode(seeds),
            FuzzBody::Roundtrip => super::seeds::roundtrip(seeds),
            FuzzBody::Bare | FuzzBody::Chunking => {}
        }
    }

    /// The defaults; each message a one-word command, sent as an array of
    /// one bulk string (`*1\r\n$N\r\n...\r\n`).
    fn for_bench(_size: usize, _max: usize) -> Self {
        RespCodec::default()
    }

    const STRATEGY: &'static str = <Resp as Strategy>::INFO.name;
    // Encoding turns a message into a command, so chunking would compare
    // a command with the message: `roundtrip` checks both directions.
    const FUZZ: &'static [FuzzBody] = &[FuzzBody::Decode, FuzzBody::Bare, FuzzBody::Roundtrip];

    fn max_message(&self) -> usize {
        self.format().max
    }

    /// The item is the whole value, framing included.
    fn max_overhead(&self) -> usize {
        0
    }

    /// Depth 1 to 8, picked by `config`.
    fn for_fuzzing(config: u8, max: usize) -> Self {
        RespCodec::new(fuzz_format(config, max))
    }
}

/// The knobs the fuzz targets give the codec: depth 1 to 8 from `config`.
pub fn fuzz_format(config: u8, max: usize) -> RespFormat {
    RespFormat { max, depth: 1 + config as usize % 8 }
}
