//! Seeds: every random choice of a run comes from one seed (the scenario's,
//! `--seed`, or a hash of the scenario's name). Each part of a run that
//! draws its own numbers (a connection's write plan, its read plan, the
//! proxy, a soak client) gets a sub-seed from [`derive`](fn@derive), the one place
//! that says how. Changing an arm of [`derive`](fn@derive) changes the bytes a seed
//! gives: the determinism tests (`tests/it/plan_properties.rs`) guard it.

/// FNV-1a's starting value.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from `h`: a hash that is stable across
/// runs, machines and Rust versions (std's hasher is none of these), for
/// seeds, shards and plan fingerprints.
pub fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// The seed of a text (a scenario's name): FNV-1a, stable everywhere.
pub fn of_text(text: &str) -> u64 {
    fnv1a(FNV_OFFSET, text.as_bytes())
}

/// What a sub-seed is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Client connection `n` of a scenario (its plan and read plan): the
    /// first connection has the run's seed itself.
    Connection(u64),
    /// A client's read plan (sizes of its reads), from its connection seed.
    ReadPlan,
    /// A scenario's re-chunking proxy, from the run's seed.
    Proxy,
    /// Proxied connection `id`, from the proxy's seed: its upstream schedule.
    ProxyConn(u64),
    /// The downstream schedule of a proxied connection, from its seed.
    ProxyDown,
    /// Good soak client `n`, from the soak's seed.
    SoakGood(u64),
    /// Hostile soak client `n` (from 1), from the soak's seed.
    SoakHostile(u64),
    /// A traced target's shortened read sizes (`[target] reads`), from the
    /// run's seed.
    Reads,
}

/// The sub-seed of `seed` for `purpose`. Distinct purposes give unrelated
/// streams (they are fed to ChaCha8, whose streams of nearby seeds share
/// nothing); the same seed and purpose always give the same sub-seed.
pub fn derive(seed: u64, purpose: Purpose) -> u64 {
    match purpose {
        Purpose::Connection(n) => seed.wrapping_add(n),
        // "READ"
        Purpose::ReadPlan => seed ^ 0x5245_4144,
        // "PROXY"
        Purpose::Proxy => seed ^ 0x5052_4F58_5900_0000,
        // The 64-bit golden ratio spreads consecutive ids over the range.
        Purpose::ProxyConn(id) => seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        Purpose::ProxyDown => seed ^ 0xD0D0_D0D0,
        // "TRACE"
        Purpose::Reads => seed ^ 0x5452_4143_4500_0000,
        Purpose::SoakGood(n) => seed.wrapping_add(n),
        Purpose::SoakHostile(n) => seed.wrapping_add(1_000_000 + n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_seeds_are_stable_and_apart() {
        // Fixed values: a change here changes what every seed replays.
        assert_eq!(derive(7, Purpose::ReadPlan), 7 ^ 0x5245_4144);
        assert_eq!(derive(7, Purpose::Connection(0)), 7);
        assert_ne!(derive(7, Purpose::Proxy), derive(7, Purpose::ProxyDown));
        assert_eq!(of_text("a"), 0xaf63_dc4c_8601_ec8c);
    }

    /// Every purpose's sub-seed, pinned: a change to any of them changes
    /// what the seeds of recorded runs replay (a proxy's cuts, a soak's
    /// clients), so it must be on purpose.
    #[test]
    fn every_purpose_gives_its_pinned_sub_seed() {
        let seed = 0x0123_4567_89ab_cdef;
        let pinned = [
            (Purpose::Connection(3), 0x0123_4567_89ab_cdf2),
            (Purpose::ReadPlan, 0x0123_4567_dbee_8cab),
            (Purpose::Proxy, 0x5171_0a3f_d0ab_cdef),
            (Purpose::ProxyConn(5), 0x1636_25f8_f5df_a186),
            (Purpose::ProxyDown, 0x0123_4567_597b_1d3f),
            (Purpose::SoakGood(2), 0x0123_4567_89ab_cdf1),
            (Purpose::SoakHostile(2), 0x0123_4567_89bb_1031),
            (Purpose::Reads, 0x0123_4567_89ab_cdef ^ 0x5452_4143_4500_0000),
        ];
        for (purpose, want) in pinned {
            assert_eq!(derive(seed, purpose), want, "{purpose:?}");
        }
    }
}
