//! The `json-header` strategy: its knobs' text syntax, its place in the
//! registry, its errors' kinds.

use std::fmt;

use bytes::BytesMut;

use super::{DigestKind, DigestPolicy, JsonHeaderCodec, JsonHeaderError, JsonHeaderFormat};
use crate::framing::knobs::Accepts;
use crate::framing::length_prefix::{FUZZ_PRESETS, one_byte_has_no_byte_order, parse_prefix_item};
use crate::framing::registry::{Codec, CodecError, FuzzBody, Strategy, StrategyInfo};
use crate::framing::spec::{Item, SpecProblem, size_value, unexpected};
use crate::framing::{AnyCodec, ErrorKind, KnobError, Knobs, LengthPrefix};
use crate::units::Size;

/// The `json-header` strategy.
#[derive(Debug)]
pub struct JsonHeaderStrategy;

impl Strategy for JsonHeaderStrategy {
    const INFO: StrategyInfo = StrategyInfo {
        name: "json-header",
        aliases: &[],
        wire: "length-prefixed JSON header {total_size, filename, sha256|md5}, then total_size body bytes",
        knobs: &[
            ("preset", "u32be", "length-prefix preset of the header length (the JSON-header tutorial uses i32le)"),
            ("header-max", "64KiB", "largest JSON header"),
            ("body-max", "64MiB", "largest body"),
            ("digest", "sha256", "digest the encoder writes: sha256 or md5"),
            ("verify", "require", "require | if-present | ignore (the JSON-header tutorial's behaviour, B16)"),
        ],
    };
    type Format = JsonHeaderFormat;
    const SPEC_SEEDS: &'static [&'static str] = &[
        "json-header:i32le,verify=ignore,digest=md5",
        "json-header:header-max=1KiB,body-max=64MiB,verify=if-present",
        "json-header:verify=maybe",
    ];

    fn apply_item(f: &mut JsonHeaderFormat, item: Item<'_>) -> Result<(), SpecProblem> {
        apply_json_header_item(f, item)
    }

    fn finish(f: &mut JsonHeaderFormat) -> Result<(), SpecProblem> {
        f.prefix.validate()?;
        if f.prefix.varint || f.prefix.offset != 0 || f.prefix.adjust != 0 {
            return Err(unexpected("a fixed-width header length, with no offset or adjust", &f.prefix.to_string()));
        }
        one_byte_has_no_byte_order(&mut f.prefix);
        Ok(())
    }

    fn write(j: &JsonHeaderFormat, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "json-header:{},body-max={}", j.prefix.spec_text("header-max"), Size(j.body_max))?;
        if j.digest == DigestKind::Md5 {
            write!(f, ",digest=md5")?;
        }
        match j.verify {
            DigestPolicy::Require => Ok(()),
            DigestPolicy::IfPresent => write!(f, ",verify=if-present"),
            DigestPolicy::Ignore => write!(f, ",verify=ignore"),
        }
    }

    fn max_message(f: &JsonHeaderFormat) -> usize {
        f.body_max
    }

    fn codec(f: &JsonHeaderFormat) -> AnyCodec {
        JsonHeaderCodec::new(*f).into()
    }

    fn apply_knobs(f: &mut JsonHeaderFormat, knobs: &Knobs) -> Result<(), KnobError> {
        knobs.refuse(Accepts { preset: true, ..Accepts::default() })?;
        knobs.preset_onto(&mut f.prefix)?;
        if let Some(m) = knobs.max_frame {
            f.body_max = m;
        }
        Ok(())
    }

    fn restating_knobs(f: &JsonHeaderFormat) -> Knobs {
        Knobs { preset: Some(f.prefix.shape_name()), max_frame: Some(f.body_max), ..Knobs::default() }
    }
}

fn apply_json_header_item(f: &mut JsonHeaderFormat, item: Item<'_>) -> Result<(), SpecProblem> {
    let value_str = item.value_str();
    match item.key {
        "body-max" => f.body_max = size_value("body-max", item.value)?,
        "max" => f.body_max = size_value("max", item.value)?,
        // `header-max` (the prefix's maximum) falls to parse_prefix_item.
        "digest" => {
            f.digest = match value_str {
                "sha256" => DigestKind::Sha256,
                "md5" => DigestKind::Md5,
                o => return Err(unexpected("digest=sha256 or digest=md5", o)),
            }
        }
        "verify" => {
            f.verify = match value_str {
                "require" => DigestPolicy::Require,
                "if-present" => DigestPolicy::IfPresent,
                "ignore" => DigestPolicy::Ignore,
                o => return Err(unexpected("verify=require, if-present or ignore", o)),
            }
        }
        _ => parse_prefix_item(&mut f.prefix, item, "header-max").map_err(|e| SpecProblem::JsonHeader(Box::new(e)))?,
    }
    Ok(())
}

impl CodecError for JsonHeaderError {
    fn kind(&self) -> ErrorKind {
        match self {
            JsonHeaderError::Prefix(e) => e.kind(),
            JsonHeaderError::BadHeader(_) => ErrorKind::BadHeader,
            JsonHeaderError::BodyTooLarge { .. } => ErrorKind::FrameTooLarge,
            JsonHeaderError::DigestMismatch { .. } => ErrorKind::DigestMismatch,
            JsonHeaderError::MissingDigest { .. } => ErrorKind::MissingDigest,
            JsonHeaderError::Failed => ErrorKind::Failed,
            JsonHeaderError::Io(_) => ErrorKind::Io,
        }
    }

    fn is_recoverable(&self) -> bool {
        matches!(self, JsonHeaderError::DigestMismatch { .. } | JsonHeaderError::MissingDigest { .. })
    }
}

impl Codec for JsonHeaderCodec {
    /// The defaults: sha256, verified.
    fn for_bench(_size: usize, _max: usize) -> Self {
        JsonHeaderCodec::default()
    }

    /// Each message a file `m.bin`.
    fn bench_encode(&mut self, message: &[u8], dst: &mut BytesMut) -> Result<(), JsonHeaderError> {
        self.encode_named("m.bin", message, dst)
    }

    const STRATEGY: &'static str = <JsonHeaderStrategy as Strategy>::INFO.name;
    const FUZZ: &'static [FuzzBody] = &[FuzzBody::Decode, FuzzBody::Bare, FuzzBody::Roundtrip, FuzzBody::Chunking];

    fn max_message(&self) -> usize {
        self.format().body_max
    }

    fn max_overhead(&self) -> usize {
        self.format().prefix.header_len() + self.format().prefix.max_frame
    }

    /// The header length's preset picked by `config`; digests checked
    /// where present when its top bit is set, else required.
    fn for_fuzzing(config: u8, max: usize) -> Self {
        let preset = FUZZ_PRESETS[config as usize % FUZZ_PRESETS.len()];
        let verify = if config & 0x80 != 0 { DigestPolicy::IfPresent } else { DigestPolicy::Require };
        JsonHeaderCodec::new(JsonHeaderFormat {
            prefix: LengthPrefix { max_frame: max, ..LengthPrefix::preset(preset).unwrap() },
            body_max: max,
            verify,
            ..JsonHeaderFormat::default()
        })
    }
}
