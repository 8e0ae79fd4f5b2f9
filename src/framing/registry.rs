//! The registry: what a strategy and a codec are to the rest of framelab,
//! and the one macro that turns the list in `framing/mod.rs` into
//! [`FramingSpec`](super::FramingSpec), [`AnyCodec`],
//! [`FramingError`], [`CodecKind`](super::CodecKind)
//! and [`STRATEGIES`](super::STRATEGIES).
//!
//! A strategy implements [`Strategy`] in its home (`src/framing/<name>/`
//! or `<name>.rs`): its knobs ([`Strategy::Format`]), their text syntax,
//! its message codec. A strategy with a codec of its own also implements
//! [`Codec`] for it: limits, the message an item carries, the knobs the
//! fuzz targets rotate through, which fuzz bodies run it, and its bench
//! frames. The enums are closed and every `match` over them is generated
//! from the one list, so a strategy added to the list and missing a piece
//! is a compile error, not a runtime gap (docs/layout.md, "Add a framing").

use std::fmt;

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::answer::AnswerSyntax;
use super::kind::ErrorKind;
use super::knobs::{KnobError, Knobs};
use super::slices::FrameSlices;
use super::spec::{Item, SpecProblem};
use super::{AnyCodec, FramingError};

/// A strategy's description for `framelab list`.
#[derive(Debug, Clone, Copy)]
pub struct StrategyInfo {
    /// Name as written in specs.
    pub name: &'static str,
    /// Other names the spec syntax takes (`raw` for `naive`).
    pub aliases: &'static [&'static str],
    /// One line on the wire format.
    pub wire: &'static str,
    /// Knobs: (key, default, meaning).
    pub knobs: &'static [(&'static str, &'static str, &'static str)],
}

/// A framing strategy: a name, knobs with a text syntax, a message codec.
/// Implemented in the strategy's home by a unit type the registry lists.
pub trait Strategy {
    /// Its name, aliases, wire format and knobs.
    const INFO: StrategyInfo;
    /// Its knobs, as a [`FramingSpec`](super::FramingSpec) variant holds them.
    type Format: Clone + fmt::Debug + PartialEq + Eq + Default;
    /// Applies one comma-separated item of `NAME:ITEM,ITEM`.
    fn apply_item(format: &mut Self::Format, item: Item<'_>) -> Result<(), SpecProblem>;
    /// Checks and normalises the whole spec after its items.
    fn finish(_format: &mut Self::Format) -> Result<(), SpecProblem> {
        Ok(())
    }
    /// Writes the spec's text, name included, so that it parses back to
    /// the same format.
    fn write(format: &Self::Format, out: &mut fmt::Formatter<'_>) -> fmt::Result;
    /// The largest message this framing carries.
    fn max_message(format: &Self::Format) -> usize;
    /// A fresh message codec (another strategy's, where it borrows one).
    fn codec(format: &Self::Format) -> AnyCodec;
    /// Applies knobs given apart from the spec ([`Knobs`]); refuses those
    /// that do not apply ([`Knobs::refuse`]).
    fn apply_knobs(format: &mut Self::Format, knobs: &Knobs) -> Result<(), KnobError>;
    /// Spec texts, good and bad, the `parse_framing` fuzz target starts
    /// from (`fuzz/seeds/parse_framing/`).
    const SPEC_SEEDS: &'static [&'static str] = &[];
    /// The answers `[response] answers` may hold for its replies, where it
    /// cuts a request/answer protocol's ([`AnswerSyntax`]).
    const ANSWERS: Option<&'static dyn AnswerSyntax> = None;
    /// The knobs that restate `format` (applied to it, they change
    /// nothing: the `parse_framing` fuzz body checks it).
    fn restating_knobs(format: &Self::Format) -> Knobs;
}

/// A codec's error: its stable kind, and whether decoding can go on.
pub trait CodecError: std::error::Error + Into<FramingError> {
    /// The kind, by a short stable name.
    fn kind(&self) -> ErrorKind;
    /// Whether decoding can go on after it (the codec knows where the next
    /// frame starts), as opposed to a stream now out of step.
    fn is_recoverable(&self) -> bool {
        false
    }
}

impl CodecError for std::io::Error {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Io
    }
}

/// A codec's own `roundtrip` oracle: config byte, messages, maximum.
pub type RoundtripOracle = fn(config: u8, messages: &[Vec<u8>], max: usize);

/// The fuzz bodies a codec is run through (`fuzz/fuzz_targets/VERB_NAME.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum FuzzBody {
    /// Arbitrary bytes in arbitrary reads, every bound checked.
    Decode,
    /// The same loop with no oracle: the yardstick `decode` is held to.
    Bare,
    /// Encode then decode, in arbitrary reads: the same messages back.
    Roundtrip,
    /// Framed messages in arbitrary reads: the same messages whatever the cut.
    Chunking,
}

/// A message codec of the registry: what generic code (servers, clients,
/// checks, fuzz bodies, the bench) needs of it, with no dispatch per call.
pub trait Codec:
    Decoder<Item: AsRef<[u8]> + Into<BytesMut> + PartialEq + fmt::Debug, Error: CodecError>
    + for<'a> Encoder<&'a [u8], Error = <Self as Decoder>::Error>
    + Encoder<bytes::Bytes, Error = <Self as Decoder>::Error>
    + FrameSlices<Error = <Self as Decoder>::Error>
    + Clone
    + fmt::Debug
    + Registered
{
    /// The strategy whose home this codec lives in.
    const STRATEGY: &'static str;
    /// The fuzz bodies that run it.
    const FUZZ: &'static [FuzzBody];
    /// The message a decoded item carries.
    fn message(item: Self::Item) -> BytesMut {
        item.into()
    }
    /// The length of that message, without taking it.
    fn message_len(item: &Self::Item) -> usize {
        item.as_ref().len()
    }
    /// The largest message it decodes or encodes.
    fn max_message(&self) -> usize;
    /// The most framing bytes a frame adds to a message, where bounded.
    fn max_overhead(&self) -> usize;
    /// The codec the fuzz targets run: knobs picked by `config`, every
    /// maximum `max`, so that limits are reached often.
    fn for_fuzzing(config: u8, max: usize) -> Self;
    /// The codec `framelab bench` runs for messages of `size` bytes, with
    /// `max` as every maximum its knobs have.
    fn for_bench(size: usize, max: usize) -> Self;
    /// Knob settings the bench also runs, each a row of its own named
    /// `STRATEGY VARIANT` (`length-prefix varint`); none by default.
    const BENCH_VARIANTS: &'static [&'static str] = &[];
    /// The codec of bench variant `i` ([`Codec::BENCH_VARIANTS`]).
    fn for_bench_variant(_i: usize, size: usize, max: usize) -> Self {
        Self::for_bench(size, max)
    }
    /// Whether a decoded item is the whole frame, framing included (the
    /// bench then counts its payload without the framing).
    const ITEM_IS_FRAME: bool = false;
    /// Whether the bench also runs it through [`FrameSlices`], as a row
    /// of its own (where its slices scan in place, not through its
    /// `Decoder`).
    const SLICES_ROW: bool = false;
    /// How the bench frames one message: the codec's own encoder, unless
    /// the codec needs more than the payload (a request around it).
    fn bench_encode(&mut self, message: &[u8], dst: &mut BytesMut) -> Result<(), <Self as Decoder>::Error> {
        self.encode(message, dst)
    }
    /// Writes the curated seeds of its fuzz target `body` (its home's
    /// `seeds.rs`); none by default.
    #[cfg(test)]
    fn fuzz_seeds(_body: FuzzBody, _seeds: &mut dyn SeedSink) {}
    /// The `roundtrip` fuzz body's oracle, for a codec whose encoder does
    /// more than frame a message as it is (`None`: the generic oracle).
    const ROUNDTRIP: Option<RoundtripOracle> = None;
}

/// Where a codec's home writes the curated seeds of its fuzz targets
/// (`fuzz/seeds/<target>/`, compared with the generator by `cargo test
/// --lib fuzzing::corpus`).
#[cfg(test)]
pub trait SeedSink {
    /// The fuzz targets' maximum (every maximum of the codec's knobs).
    fn max(&self) -> usize;
    /// A `decode_*` (and `bare_*`) input: config byte, chunk size (1 to
    /// 256), stream.
    fn decode(&mut self, file: &str, config: u8, chunk: usize, stream: &[u8]);
    /// A `roundtrip_*` input.
    fn roundtrip(&mut self, file: &str, config: u8, messages: Vec<Vec<u8>>);
    /// A `chunking_*` input: messages framed by the codec, a raw tail, the
    /// cut points of the reads.
    fn chunking(&mut self, file: &str, config: u8, messages: Vec<Vec<u8>>, tail: Vec<u8>, cuts: Vec<u16>);
}

/// `messages` framed by the fuzz targets' codec `C` of config `config`;
/// messages it refuses are skipped.
#[cfg(test)]
pub(crate) fn framed<C: Codec>(max: usize, config: u8, messages: &[&[u8]]) -> Vec<u8> {
    let mut codec = C::for_fuzzing(config, max);
    let mut wire = BytesMut::new();
    for m in messages {
        let _ = codec.encode(*m, &mut wire);
    }
    wire.to_vec()
}

/// The parts, joined.
#[cfg(test)]
pub(crate) fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `n` bytes of `x`.
#[cfg(test)]
pub(crate) fn filler(n: usize) -> Vec<u8> {
    vec![b'x'; n]
}

/// Every cut point of a stream of `len` bytes (capped to what fits a u16).
#[cfg(test)]
pub(crate) fn every_cut(len: usize) -> Vec<u16> {
    (1..len.min(u16::MAX as usize) as u16).collect()
}

/// What the registry generates for each codec: the way into and out of
/// [`AnyCodec`].
pub trait Registered: Sized {
    /// Wraps it.
    fn into_any(self) -> AnyCodec;
    /// The codec inside `any`, if it is of this type.
    fn from_any(any: &mut AnyCodec) -> Option<&mut Self>;
}

/// Something done with whichever concrete codec an [`AnyCodec`] holds,
/// monomorphised per codec (a fuzz body's loop, a bench row): one dispatch
/// per call of [`AnyCodec::visit`], none per decode.
pub trait CodecVisitor {
    /// What it gives back.
    type Output;
    /// Does it with `codec`.
    fn visit<C: Codec>(self, codec: C) -> Self::Output;
}

/// Generates the closed enums and their dispatch from the list of
/// strategies and codecs in `framing/mod.rs`.
macro_rules! registry {
    (
        strategies { $( $(#[$sdoc:meta])* $svar:ident($sty:ty), )* }
        codecs { $( $(#[$cdoc:meta])* $cvar:ident($cty:ty $(, $(#[$edoc:meta])* $err:ty)?), )* }
    ) => {
        /// A framing strategy with all its knobs: one variant per strategy
        /// of the registry (`framing/mod.rs`).
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum FramingSpec {
            $( $(#[$sdoc])* $svar(<$sty as $crate::framing::Strategy>::Format), )*
        }

        /// Every strategy, in the order `framelab list` shows them.
        pub const STRATEGIES: &[$crate::framing::StrategyInfo] = &[ $( <$sty as $crate::framing::Strategy>::INFO, )* ];

        impl FramingSpec {
            /// The strategy name (`naive`, `delimiter`, ...).
            pub fn strategy(&self) -> &'static str {
                match self { $( FramingSpec::$svar(_) => <$sty as $crate::framing::Strategy>::INFO.name, )* }
            }

            /// The default spec of a strategy (by name or alias), or `None`
            /// for an unknown name.
            pub fn default_for(name: &str) -> Option<FramingSpec> {
                $(
                    let info = <$sty as $crate::framing::Strategy>::INFO;
                    if info.name == name || info.aliases.contains(&name) {
                        return Some(FramingSpec::$svar(Default::default()));
                    }
                )*
                None
            }

            /// The largest message this framing carries.
            pub fn max_message(&self) -> usize {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::max_message(f), )* }
            }

            /// A fresh message codec for this framing.
            pub fn codec(&self) -> AnyCodec {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::codec(f), )* }
            }

            pub(crate) fn apply_item(&mut self, item: $crate::framing::spec::Item<'_>) -> Result<(), $crate::framing::SpecProblem> {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::apply_item(f, item), )* }
            }

            pub(crate) fn finish(&mut self) -> Result<(), $crate::framing::SpecProblem> {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::finish(f), )* }
            }

            /// The answer syntax of this strategy's replies, if it cuts a
            /// request/answer protocol's.
            pub fn answer_syntax(&self) -> Option<&'static dyn $crate::framing::AnswerSyntax> {
                match self { $( FramingSpec::$svar(_) => <$sty as $crate::framing::Strategy>::ANSWERS, )* }
            }

            /// The knobs that restate this spec.
            pub fn restating_knobs(&self) -> $crate::framing::Knobs {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::restating_knobs(f), )* }
            }

            pub(crate) fn apply_knobs(&mut self, knobs: &$crate::framing::Knobs) -> Result<(), $crate::framing::KnobError> {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::apply_knobs(f, knobs), )* }
            }
        }

        /// Every strategy's spec seeds ([`Strategy::SPEC_SEEDS`]), in the
        /// registry's order.
        pub fn spec_seeds() -> impl Iterator<Item = &'static str> {
            [$( <$sty as $crate::framing::Strategy>::SPEC_SEEDS, )*].into_iter().flatten().copied()
        }

        /// Every strategy's answer syntax, in the registry's order.
        pub fn answer_syntaxes() -> &'static [&'static dyn $crate::framing::AnswerSyntax] {
            static ALL: std::sync::LazyLock<Vec<&'static dyn $crate::framing::AnswerSyntax>> = std::sync::LazyLock::new(|| {
                [$( <$sty as $crate::framing::Strategy>::ANSWERS, )*].into_iter().flatten().collect()
            });
            &ALL
        }

        impl std::fmt::Display for FramingSpec {
            fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self { $( FramingSpec::$svar(f) => <$sty as $crate::framing::Strategy>::write(f, out), )* }
            }
        }

        /// A codec of any strategy; items are message payloads.
        // One codec per connection, never in a hot collection: boxing the
        // larger variants would only add an indirection to every decode call.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone)]
        pub enum AnyCodec {
            $( $(#[$cdoc])* $cvar($cty), )*
        }

        /// Which codec of the registry (the fuzz targets' subject).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum CodecKind {
            $( $(#[$cdoc])* $cvar, )*
        }

        impl CodecKind {
            /// Every codec, in the registry's order.
            pub const ALL: &[CodecKind] = &[ $( CodecKind::$cvar, )* ];

            /// The name of the strategy whose codec it is (`length-prefix`).
            pub fn name(self) -> &'static str {
                match self { $( CodecKind::$cvar => <$cty as $crate::framing::Codec>::STRATEGY, )* }
            }

            /// The fuzz bodies that run it.
            pub fn fuzz_bodies(self) -> &'static [$crate::framing::FuzzBody] {
                match self { $( CodecKind::$cvar => <$cty as $crate::framing::Codec>::FUZZ, )* }
            }

            /// Its own `roundtrip` oracle, if it has one.
            pub fn roundtrip_oracle(self) -> Option<$crate::framing::registry::RoundtripOracle> {
                match self { $( CodecKind::$cvar => <$cty as $crate::framing::Codec>::ROUNDTRIP, )* }
            }

            /// Whether `framelab bench` runs its slices as a row of their own.
            pub fn slices_row(self) -> bool {
                match self { $( CodecKind::$cvar => <$cty as $crate::framing::Codec>::SLICES_ROW, )* }
            }

            /// The codec `framelab bench` runs for `size`-byte messages.
            pub fn for_bench(self, size: usize, max: usize) -> AnyCodec {
                match self { $( CodecKind::$cvar => AnyCodec::$cvar(<$cty as $crate::framing::Codec>::for_bench(size, max)), )* }
            }

            /// The knob settings its bench rows also run ([`Codec::BENCH_VARIANTS`]).
            pub fn bench_variants(self) -> &'static [&'static str] {
                match self { $( CodecKind::$cvar => <$cty as $crate::framing::Codec>::BENCH_VARIANTS, )* }
            }

            /// The codec of its bench variant `i`.
            pub fn for_bench_variant(self, i: usize, size: usize, max: usize) -> AnyCodec {
                match self { $( CodecKind::$cvar => AnyCodec::$cvar(<$cty as $crate::framing::Codec>::for_bench_variant(i, size, max)), )* }
            }

            /// Writes the curated seeds of its fuzz target `body`.
            #[cfg(test)]
            pub fn fuzz_seeds(self, body: $crate::framing::FuzzBody, seeds: &mut dyn $crate::framing::registry::SeedSink) {
                match self { $( CodecKind::$cvar => <$cty as $crate::framing::Codec>::fuzz_seeds(body, seeds), )* }
            }

            /// Its fuzz targets' codec: knobs from `config`, maxima `max`.
            pub fn for_fuzzing(self, config: u8, max: usize) -> AnyCodec {
                match self { $( CodecKind::$cvar => AnyCodec::$cvar(<$cty as $crate::framing::Codec>::for_fuzzing(config, max)), )* }
            }
        }

        $(
            impl $crate::framing::Registered for $cty {
                fn into_any(self) -> AnyCodec {
                    AnyCodec::$cvar(self)
                }
                fn from_any(any: &mut AnyCodec) -> Option<&mut Self> {
                    #[allow(irrefutable_let_patterns)]
                    if let AnyCodec::$cvar(c) = any { Some(c) } else { None }
                }
            }

            impl From<$cty> for AnyCodec {
                fn from(c: $cty) -> AnyCodec {
                    AnyCodec::$cvar(c)
                }
            }
        )*

        impl AnyCodec {
            /// Which codec it is.
            pub fn kind(&self) -> CodecKind {
                match self { $( AnyCodec::$cvar(_) => CodecKind::$cvar, )* }
            }

            /// Does `visitor` with the concrete codec inside.
            pub fn visit<V: $crate::framing::CodecVisitor>(self, visitor: V) -> V::Output {
                match self { $( AnyCodec::$cvar(c) => visitor.visit(c), )* }
            }

            /// The largest message this codec decodes or encodes.
            pub fn max_message(&self) -> usize {
                match self { $( AnyCodec::$cvar(c) => $crate::framing::Codec::max_message(c), )* }
            }

            /// The most framing bytes a frame adds to a message, where
            /// bounded (a JSON header is bounded by its own maximum).
            pub fn max_overhead(&self) -> usize {
                match self { $( AnyCodec::$cvar(c) => $crate::framing::Codec::max_overhead(c), )* }
            }
        }

        impl tokio_util::codec::Decoder for AnyCodec {
            type Item = bytes::BytesMut;
            type Error = FramingError;

            fn decode(&mut self, src: &mut bytes::BytesMut) -> Result<Option<bytes::BytesMut>, FramingError> {
                Ok(match self {
                    $( AnyCodec::$cvar(c) => c.decode(src).map_err(Into::<FramingError>::into)?.map(<$cty as $crate::framing::Codec>::message), )*
                })
            }

            fn decode_eof(&mut self, src: &mut bytes::BytesMut) -> Result<Option<bytes::BytesMut>, FramingError> {
                Ok(match self {
                    $( AnyCodec::$cvar(c) => c.decode_eof(src).map_err(Into::<FramingError>::into)?.map(<$cty as $crate::framing::Codec>::message), )*
                })
            }
        }

        impl $crate::framing::FrameSlices for AnyCodec {
            type Error = FramingError;

            /// The wrapped codec's: some scan in place, others go through
            /// their `Decoder`.
            fn frames<F: FnMut(&[u8])>(&mut self, buf: &mut bytes::BytesMut, frame: F) -> Result<usize, FramingError> {
                Ok(match self { $( AnyCodec::$cvar(c) => c.frames(buf, frame).map_err(Into::<FramingError>::into)?, )* })
            }

            /// The wrapped codec's.
            fn missing(&self, buf: &bytes::BytesMut) -> Option<usize> {
                match self { $( AnyCodec::$cvar(c) => c.missing(buf), )* }
            }
        }

        impl tokio_util::codec::Encoder<&[u8]> for AnyCodec {
            type Error = FramingError;

            fn encode(&mut self, item: &[u8], dst: &mut bytes::BytesMut) -> Result<(), FramingError> {
                match self { $( AnyCodec::$cvar(c) => c.encode(item, dst).map_err(Into::<FramingError>::into), )* }
            }
        }

        impl tokio_util::codec::Encoder<bytes::Bytes> for AnyCodec {
            type Error = FramingError;

            fn encode(&mut self, item: bytes::Bytes, dst: &mut bytes::BytesMut) -> Result<(), FramingError> {
                match self { $( AnyCodec::$cvar(c) => c.encode(item, dst).map_err(Into::<FramingError>::into), )* }
            }
        }

        /// An error from any codec.
        #[derive(Debug, thiserror::Error)]
        pub enum FramingError {
            $( $( $(#[$edoc])* #[error(transparent)] $cvar(#[from] $err), )? )*
            /// From the transport.
            #[error(transparent)]
            Io(#[from] std::io::Error),
        }

        impl FramingError {
            /// Whether decoding can go on after this error (the codec knows
            /// where the next frame starts), as opposed to a stream now out
            /// of step.
            pub fn is_recoverable(&self) -> bool {
                match self {
                    $( $( FramingError::$cvar(e) => <$err as $crate::framing::CodecError>::is_recoverable(e), )? )*
                    FramingError::Io(_) => false,
                }
            }

            /// The kind of error, by a short stable name (`frame-too-large`, ...).
            pub fn kind(&self) -> $crate::framing::ErrorKind {
                match self {
                    $( $( FramingError::$cvar(e) => <$err as $crate::framing::CodecError>::kind(e), )? )*
                    FramingError::Io(_) => $crate::framing::ErrorKind::Io,
                }
            }
        }
    };
}

pub(crate) use registry;
