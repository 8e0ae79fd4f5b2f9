//! The `length-prefix` strategy: its knobs' text syntax, its place in the
//! registry, its errors' kinds.

use std::fmt;

use super::{Endian, LengthPrefix, LengthPrefixCodec, LengthPrefixError, MAX_ADJUST, MAX_OFFSET, PRESETS};
use crate::framing::knobs::Accepts;
use crate::framing::registry::{Codec, CodecError, FuzzBody, Strategy, StrategyInfo};
use crate::framing::spec::{Item, SpecProblem, parse_bool, size_value, unexpected};
use crate::framing::{AnyCodec, ErrorKind, KnobError, Knobs};

/// Length-prefix presets the fuzz targets rotate through.
pub const FUZZ_PRESETS: &[&str] = &["u32be", "i32le", "i64le", "u16be", "u8", "u64le"];

/// The `length-prefix` strategy.
#[derive(Debug)]
pub struct LengthPrefixStrategy;

impl Strategy for LengthPrefixStrategy {
    const INFO: StrategyInfo = StrategyInfo {
        name: "length-prefix",
        aliases: &[],
        wire: "bytes before the length (offset), a length (fixed width or varint), then the body",
        knobs: &[
            ("preset", "u32be", "u32be u32le i32le i32be u16be u16le u8 u64be u64le i64le i64be varint (positional)"),
            ("width", "4", "header bytes: 1, 2, 4 or 8"),
            ("endian", "big", "big or little"),
            ("signed", "false", "two's-complement header (negative lengths are errors)"),
            ("includes-header", "false", "the length counts the header bytes too"),
            ("offset", "0", "bytes of each message before the length field (a type byte), counted by no length"),
            ("adjust", "0", "add to the length to get the bytes that follow it (-4: the length counts itself)"),
            ("max", "8MiB", "largest body; a larger declared length is an error before any allocation"),
        ],
    };
    type Format = LengthPrefix;
    const SPEC_SEEDS: &'static [&'static str] = &[
        "length-prefix",
        "length-prefix:i32le,max=1MiB",
        "length-prefix:u64be,includes-header",
        "length-prefix:width=2,endian=little,signed=true,includes-header=false,max=65535",
        "length-prefix:u24be",
        "length-prefix:width=3",
        "length-prefix:max=99999999999999999999999TiB",
    ];

    fn apply_item(p: &mut LengthPrefix, item: Item<'_>) -> Result<(), SpecProblem> {
        parse_prefix_item(p, item, "max")
    }

    fn finish(p: &mut LengthPrefix) -> Result<(), SpecProblem> {
        p.validate()?;
        if p.varint && (p.signed || p.includes_header) {
            return Err(unexpected("a varint length that is neither signed nor includes-header", "varint"));
        }
        one_byte_has_no_byte_order(p);
        Ok(())
    }

    fn write(p: &LengthPrefix, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(out, "length-prefix:{p}")
    }

    fn max_message(p: &LengthPrefix) -> usize {
        p.max_message()
    }

    fn codec(p: &LengthPrefix) -> AnyCodec {
        LengthPrefixCodec::new(*p).into()
    }

    fn apply_knobs(p: &mut LengthPrefix, knobs: &Knobs) -> Result<(), KnobError> {
        knobs.refuse(Accepts { preset: true, ..Accepts::default() })?;
        knobs.preset_onto(p)?;
        if let Some(m) = knobs.max_frame {
            p.max_frame = m;
        }
        Ok(())
    }

    fn restating_knobs(f: &LengthPrefix) -> Knobs {
        Knobs { preset: Some(f.shape_name()), max_frame: Some(f.max_frame), ..Knobs::default() }
    }
}

impl CodecError for LengthPrefixError {
    fn kind(&self) -> ErrorKind {
        match self {
            LengthPrefixError::NegativeLength { .. } => ErrorKind::NegativeLength,
            LengthPrefixError::FrameTooLarge { .. } => ErrorKind::FrameTooLarge,
            LengthPrefixError::LengthBelowHeader { .. } => ErrorKind::LengthBelowHeader,
            LengthPrefixError::Overflow { .. } => ErrorKind::Overflow,
            LengthPrefixError::DoesNotFitHeader { .. } => ErrorKind::DoesNotFitHeader,
            LengthPrefixError::LengthBelowAdjustment { .. } => ErrorKind::LengthBelowHeader,
            LengthPrefixError::BadVarint { .. } => ErrorKind::BadLength,
            LengthPrefixError::ShorterThanOffset { .. } => ErrorKind::BadMessage,
            LengthPrefixError::Failed => ErrorKind::Failed,
            LengthPrefixError::Io(_) => ErrorKind::Io,
        }
    }
}

impl Codec for LengthPrefixCodec {
    #[cfg(test)]
    fn fuzz_seeds(body: FuzzBody, seeds: &mut dyn crate::framing::registry::SeedSink) {
        super::seeds::seeds(body, seeds)
    }

    const SLICES_ROW: bool = true;

    /// `u32be`, the default.
    fn for_bench(_size: usize, _max: usize) -> Self {
        LengthPrefixCodec::default()
    }

    /// `varint`: a LEB128 length (protobuf's delimited streams, MQTT's
    /// remaining length), decoded a byte at a time.
    const BENCH_VARIANTS: &'static [&'static str] = &["varint"];

    fn for_bench_variant(_i: usize, _size: usize, _max: usize) -> Self {
        LengthPrefixCodec::new(LengthPrefix { varint: true, ..LengthPrefix::default() })
    }

    const STRATEGY: &'static str = <LengthPrefixStrategy as Strategy>::INFO.name;
    const FUZZ: &'static [FuzzBody] = &[FuzzBody::Decode, FuzzBody::Bare, FuzzBody::Roundtrip, FuzzBody::Chunking];

    fn max_message(&self) -> usize {
        self.format().max_message()
    }

    fn max_overhead(&self) -> usize {
        self.format().max_overhead()
    }

    /// A preset picked by `config`, the length counting the header when
    /// its top bit is set; bit 6 makes the length a varint instead, and
    /// bits 4 and 5 put that many bytes before the field, the length then
    /// counting as many bytes more than follow it (a fixed width only).
    /// The committed seeds of the fixed widths have bits 4 to 6 clear.
    fn for_fuzzing(config: u8, max: usize) -> Self {
        let preset = FUZZ_PRESETS[config as usize % FUZZ_PRESETS.len()];
        let includes_header = config & 0x80 != 0;
        let varint = config & 0x40 != 0;
        let offset = usize::from((config >> 4) & 3);
        let mut p = LengthPrefix { max_frame: max, includes_header, offset, ..LengthPrefix::preset(preset).unwrap() };
        if varint {
            p = LengthPrefix { varint: true, includes_header: false, signed: false, width: 1, ..p };
        } else {
            p.adjust = -(offset as i64);
        }
        LengthPrefixCodec::new(p)
    }
}

pub(crate) fn one_byte_has_no_byte_order(p: &mut LengthPrefix) {
    if p.width == 1 {
        p.endian = Endian::Big;
    }
}

pub(crate) fn parse_prefix_item(
    p: &mut LengthPrefix,
    item: Item<'_>,
    max_key: &'static str,
) -> Result<(), SpecProblem> {
    let Item { index, key, value, text } = item;
    let v = value.unwrap_or("").trim();
    match key {
        "" if index == 0 && LengthPrefix::preset(v).is_some() => {
            // The first item: the header is still the strategy's default,
            // whose maximum (json-header's is 64 KiB) the preset keeps.
            *p = LengthPrefix { max_frame: p.max_frame, ..LengthPrefix::preset(v).unwrap() };
        }
        "" if v == "signed" || v == "includes-header" || v == "unsigned" => match v {
            "signed" => p.signed = true,
            "unsigned" => p.signed = false,
            _ => p.includes_header = true,
        },
        "" => {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            return Err(unexpected(format!("a preset ({}) or KEY=VALUE", names.join(", ")), text));
        }
        "width" => {
            p.varint = false;
            p.width = match v {
                "1" => 1,
                "2" => 2,
                "4" => 4,
                "8" => 8,
                o => return Err(unexpected("width=1, 2, 4 or 8", o)),
            }
        }
        "endian" => {
            p.endian = match v {
                "big" | "be" => Endian::Big,
                "little" | "le" => Endian::Little,
                o => return Err(unexpected("endian=big or endian=little", o)),
            }
        }
        "signed" => p.signed = parse_bool("signed", value)?,
        "includes-header" => p.includes_header = parse_bool("includes-header", value)?,
        "offset" => match v.parse::<usize>() {
            Ok(n) if n <= MAX_OFFSET => p.offset = n,
            _ => return Err(unexpected(format!("offset=N, 0 to {MAX_OFFSET}"), v)),
        },
        "adjust" => match v.strip_prefix('+').unwrap_or(v).parse::<i64>() {
            Ok(n) if n.abs() <= MAX_ADJUST => p.adjust = n,
            _ => return Err(unexpected(format!("adjust=N, -{MAX_ADJUST} to {MAX_ADJUST}"), v)),
        },
        k if k == max_key => p.max_frame = size_value(max_key, value)?,
        _ => {
            return Err(unexpected(
                format!("a preset, width=, endian=, signed=, includes-header=, offset=, adjust= or {max_key}="),
                text,
            ));
        }
    }
    Ok(())
}
