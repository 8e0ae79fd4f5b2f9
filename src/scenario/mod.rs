//! Scenarios: the file format ([`model`], with the protocol replies a
//! scenario expects in [`answer`]), loading with located errors
//! ([`load`]), the built-in suite ([`embedded`]) and where a run's files
//! come from ([`source`]), and a scenario made concrete from its seed
//! ([`plan`]).
//! Running one is [`crate::run`]'s job; judging what happened is
//! [`crate::judge`]'s.

pub mod answer;
pub mod embedded;
pub mod load;
pub mod message;
pub mod model;
pub mod plan;
pub mod source;

pub use load::{LoadError, collect, load_file, parse};
pub use message::Message;
pub use model::{Scenario, SetupSection, VERDICTS, Verdict};
pub use plan::{PlanError, Prepared, prepare};
pub use source::{Origin, Source, load_all, matches_filter, resolve, shard};
