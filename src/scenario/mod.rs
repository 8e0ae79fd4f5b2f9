//! Scenarios: the file format ([`model`]), loading with located errors
//! ([`load`]), and a scenario made concrete from its seed ([`plan`]).
//! Running one is [`crate::run`]'s job; judging what happened is
//! [`crate::judge`]'s.

pub mod load;
pub mod model;
pub mod plan;

pub use load::{LoadError, collect, load_file, parse};
pub use model::{Scenario, VERDICTS, Verdict};
pub use plan::{PlanError, Prepared, prepare};

/// Whether `file` falls in shard `index` (1-based) of `count`: a stable
/// share by a hash of the file name.
pub fn in_shard(file: &std::path::Path, index: usize, count: usize) -> bool {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let h = crate::seed::of_text(&name);
    (h % count as u64) as usize == index - 1
}
