//! Scenarios: the file format ([`model`]), loading with located errors
//! ([`load`]), the runner that carries a scenario out ([`runner`]), and
//! the oracles that turn what happened into a [`Verdict`] ([`oracle`];
//! [`blackbox`] for servers and clients judged from the outside).

pub mod blackbox;
pub mod load;
pub mod model;

pub use load::{LoadError, collect, load_file, parse};
pub use model::{Scenario, VERDICTS, Verdict};
pub mod oracle;
pub mod runner;

pub use runner::{Prepared, RunOptions, ScenarioResult, prepare, run_scenario, seed_for};

/// Runs `scenarios` with up to `jobs` at once (each on its own port) and
/// calls `on_result` for each, in the given order, as soon as it and every
/// scenario before it have finished.
pub async fn run_suite(
    scenarios: Vec<Scenario>,
    opts: RunOptions,
    jobs: usize,
    mut on_result: impl FnMut(&ScenarioResult),
) -> Vec<ScenarioResult> {
    use futures::StreamExt;
    let opts = std::sync::Arc::new(opts);
    let mut stream = futures::stream::iter(scenarios.into_iter().map(|sc| {
        let opts = opts.clone();
        // Each scenario on its own task, so a slow one cannot starve the
        // timers of the others.
        async move {
            match tokio::spawn(async move { run_scenario(&sc, &opts).await }).await {
                Ok(r) => r,
                Err(e) => panic!("a scenario task failed: {e}"),
            }
        }
    }))
    .buffered(jobs.max(1));
    let mut out = Vec::new();
    while let Some(r) = stream.next().await {
        on_result(&r);
        out.push(r);
    }
    out
}

/// Whether `file` falls in shard `index` (1-based) of `count`: a stable
/// share by a hash of the file name.
pub fn in_shard(file: &std::path::Path, index: usize, count: usize) -> bool {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let h = runner::fnv1a(runner::FNV_OFFSET, name.as_bytes());
    (h % count as u64) as usize == index - 1
}
