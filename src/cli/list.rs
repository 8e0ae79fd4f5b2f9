//! `framelab list`.

use clap::Args;

use crate::framing::STRATEGIES;
use crate::framing::length_prefix::PRESETS;

/// Options of `framelab list`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  framelab list\n  framelab list strategies")]
pub struct ListArgs {
    /// Show only this section: strategies, presets.
    pub section: Option<String>,
}

impl ListArgs {
    /// Prints the listing.
    pub fn run(self) -> anyhow::Result<i32> {
        let want = |s: &str| self.section.as_deref().is_none_or(|w| w == s);
        if let Some(s) = &self.section {
            if !["strategies", "presets"].contains(&s.as_str()) {
                anyhow::bail!("unknown section {s:?}: expected strategies or presets");
            }
        }
        if want("strategies") {
            println!("strategies (framing spec: STRATEGY[:ITEM,KEY=VALUE...]):");
            for s in STRATEGIES {
                println!("  {:<14} {}", s.name, s.wire);
                for (k, d, m) in s.knobs {
                    println!("      {k:<16} default {d:<8} {m}");
                }
            }
        }
        if want("presets") {
            println!("length-prefix presets:");
            for (name, what) in PRESETS {
                println!("  {name:<8} {what}");
            }
        }
        Ok(0)
    }
}
