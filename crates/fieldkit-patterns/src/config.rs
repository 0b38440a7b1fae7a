//! Tunables of the miner. `MinerConfig::default()` is the one configuration used everywhere
//! (CLI, tests, benchmarks); the fields are public so experiments can vary them.

/// Miner tunables.
#[derive(Clone, Debug, PartialEq)]
pub struct MinerConfig {
    /// Words kept per message; the rest of a longer message becomes one trailing variable.
    pub max_words: usize,
    /// A word longer than this (bytes) is a variable: encoded blobs, not wording.
    pub max_word_bytes: usize,
    /// Distinct token sequences kept per (length, first word) leaf before new sequences are
    /// folded into their most similar cluster instead. Bounds memory on adversarial input.
    pub max_leaf_clusters: usize,
    /// Folded (overflow) message shapes remembered for a one-lookup path next time; beyond
    /// this many they are folded again on every sight (bounded memory).
    pub max_signatures: usize,
    /// Minimum similarity for that fold (share of positions with equal words).
    pub fold_similarity: f64,
    /// Merge pass: constant words that must agree around a differing word before it can be
    /// a variable (one more when it is the first word).
    pub merge_min_context: usize,
    /// Merge pass: a position whose clusters show at least this many distinct words...
    pub merge_min_distinct: usize,
    /// ...and at least this many distinct words per message is a variable.
    pub merge_min_distinct_ratio: f64,
    /// A position whose words include this many words already merged as variable values
    /// elsewhere is a variable.
    pub merge_min_known_values: usize,
    /// A position sharing this many words with a position of another template is a variable
    /// (both hold the same kind of value: user names, host names).
    pub merge_min_shared_values: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        MinerConfig {
            max_words: 256,
            max_word_bytes: 256,
            max_leaf_clusters: 512,
            max_signatures: 1 << 20,
            fold_similarity: 0.5,
            merge_min_context: 2,
            merge_min_distinct: 3,
            merge_min_distinct_ratio: 0.2,
            merge_min_known_values: 3,
            merge_min_shared_values: 3,
        }
    }
}
