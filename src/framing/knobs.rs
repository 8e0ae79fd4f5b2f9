//! [`Knobs`]: framing settings given apart from a [`FramingSpec`] (CLI
//! flags, scenario keys), each overriding the spec's own value.

use super::length_prefix::LengthPrefix;
use super::spec::{FramingSpec, unescape};

/// Framing knobs given apart from the spec (CLI flags, scenario keys);
/// each overrides the spec's value.
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// Read size of naive and udp.
    pub read_size: Option<usize>,
    /// Largest frame (body, line, read).
    pub max_frame: Option<usize>,
    /// Delimiter text (escapes allowed).
    pub delimiter: Option<String>,
    /// Length-prefix preset (also json-header's header length).
    pub preset: Option<String>,
}

/// A knob that does not apply to the strategy, or a bad knob value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KnobError {
    /// `read-size` on another strategy than naive or udp, or 0.
    #[error("read-size applies to naive and udp, and must be at least 1")]
    ReadSize,
    /// `delimiter` on another strategy.
    #[error("delimiter applies to the delimiter strategy")]
    DelimiterStrategy,
    /// A delimiter that does not unescape.
    #[error("{0}")]
    DelimiterText(super::spec::EscapeError),
    /// An empty delimiter.
    #[error("the delimiter must not be empty")]
    EmptyDelimiter,
    /// A preset name that does not exist.
    #[error("unknown preset {0:?} (see framelab list presets)")]
    UnknownPreset(String),
    /// `preset` on another strategy.
    #[error("preset applies to length-prefix and json-header")]
    PresetStrategy,
}

impl Knobs {
    /// Applies the knobs to `framing`; an error names the knob that does
    /// not apply to the strategy.
    pub fn apply(&self, mut framing: FramingSpec) -> Result<FramingSpec, KnobError> {
        if let Some(rs) = self.read_size {
            match &mut framing {
                FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } if rs > 0 => *read_size = rs,
                _ => return Err(KnobError::ReadSize),
            }
        }
        if let Some(d) = &self.delimiter {
            let FramingSpec::Delimiter { delimiter, .. } = &mut framing else {
                return Err(KnobError::DelimiterStrategy);
            };
            let bytes = unescape(d).map_err(KnobError::DelimiterText)?;
            if bytes.is_empty() {
                return Err(KnobError::EmptyDelimiter);
            }
            *delimiter = bytes.into();
        }
        if let Some(p) = &self.preset {
            let preset = LengthPrefix::preset(p).ok_or_else(|| KnobError::UnknownPreset(p.clone()))?;
            match &mut framing {
                FramingSpec::LengthPrefix(lp) => {
                    *lp = LengthPrefix { max_frame: lp.max_frame, includes_header: lp.includes_header, ..preset }
                }
                FramingSpec::JsonHeader(j) => {
                    j.prefix = LengthPrefix {
                        max_frame: j.prefix.max_frame,
                        includes_header: j.prefix.includes_header,
                        ..preset
                    }
                }
                _ => return Err(KnobError::PresetStrategy),
            }
        }
        if let Some(m) = self.max_frame {
            match &mut framing {
                FramingSpec::Naive { read_size } | FramingSpec::Udp { read_size } => *read_size = m.max(1),
                FramingSpec::Delimiter { max_length, .. } | FramingSpec::Handshake { max_length } => *max_length = m,
                FramingSpec::LengthPrefix(lp) => lp.max_frame = m,
                FramingSpec::JsonHeader(j) => j.body_max = m,
                FramingSpec::Resp(r) => r.max = m,
                FramingSpec::Http(h) => h.max = m,
            }
        }
        Ok(framing)
    }
}
