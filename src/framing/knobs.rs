//! [`Knobs`]: framing settings given apart from a [`FramingSpec`] (CLI
//! flags, scenario keys), each overriding the spec's own value.

use super::FramingSpec;
use super::length_prefix::LengthPrefix;
use super::spec::unescape;

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

/// Which of [`Knobs`]' settings a strategy takes besides `max-frame`
/// (which every strategy takes, as its own maximum).
#[derive(Debug, Clone, Copy, Default)]
pub struct Accepts {
    /// `read-size`.
    pub read_size: bool,
    /// `delimiter`.
    pub delimiter: bool,
    /// `preset`.
    pub preset: bool,
}

impl Knobs {
    /// Applies the knobs to `framing`; an error names the knob that does
    /// not apply to the strategy.
    pub fn apply(&self, mut framing: FramingSpec) -> Result<FramingSpec, KnobError> {
        framing.apply_knobs(self)?;
        Ok(framing)
    }

    /// Refuses, in a fixed order, a knob the strategy does not take or a
    /// bad value (a zero read size, an unknown preset).
    pub fn refuse(&self, accepts: Accepts) -> Result<(), KnobError> {
        if let Some(rs) = self.read_size
            && (!accepts.read_size || rs == 0)
        {
            return Err(KnobError::ReadSize);
        }
        if self.delimiter.is_some() && !accepts.delimiter {
            return Err(KnobError::DelimiterStrategy);
        }
        if let Some(p) = &self.preset {
            LengthPrefix::preset(p).ok_or_else(|| KnobError::UnknownPreset(p.clone()))?;
            if !accepts.preset {
                return Err(KnobError::PresetStrategy);
            }
        }
        Ok(())
    }

    /// The delimiter knob's bytes, unescaped and not empty.
    pub fn delimiter_bytes(&self) -> Result<Option<bytes::Bytes>, KnobError> {
        let Some(d) = &self.delimiter else { return Ok(None) };
        let bytes = unescape(d).map_err(KnobError::DelimiterText)?;
        if bytes.is_empty() {
            return Err(KnobError::EmptyDelimiter);
        }
        Ok(Some(bytes.into()))
    }

    /// `prefix` with the preset knob's width, byte order and sign, its own
    /// maximum and `includes-header` kept.
    pub fn preset_onto(&self, prefix: &mut LengthPrefix) -> Result<(), KnobError> {
        if let Some(p) = &self.preset {
            let preset = LengthPrefix::preset(p).ok_or_else(|| KnobError::UnknownPreset(p.clone()))?;
            *prefix = LengthPrefix {
                max_frame: prefix.max_frame,
                includes_header: prefix.includes_header,
                offset: prefix.offset,
                adjust: prefix.adjust,
                ..preset
            };
        }
        Ok(())
    }
}
