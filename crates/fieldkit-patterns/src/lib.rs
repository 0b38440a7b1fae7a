//! fieldkit-patterns: an online log-template miner (Drain class).
//!
//! Each message is normalised into masked words ([`tokenize`]), interned, and assigned online
//! to a *fine* cluster: one per distinct masked word sequence (O(words) per message, one hash
//! lookup once warm). Deciding which of the remaining words are variables needs statistics
//! over many messages, so it is deferred to a merge pass ([`merge`]) that unions fine
//! clusters whose templates differ only where the data shows a variable. The pass runs lazily
//! on the first query after new messages and is cached; callers keep the ids `add` returned
//! and [`Miner::resolve`] them to the final cluster.
//!
//! Everything is deterministic: ids are assigned in arrival order and no output depends on
//! hash-map iteration order.

mod config;
mod csv;
mod evidence;
mod hash;
mod intern;
mod mask;
mod merge;
mod tokenize;
mod unionfind;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

pub use config::MinerConfig;
pub use csv::csv_field;
use hash::FxHashMap;
use intern::{Interner, WILDCARD_ID};
use merge::Merged;
use tokenize::Tokenizer;

/// Identifies a cluster. Ids returned by [`Miner::add`] stay valid forever; resolve them with
/// [`Miner::resolve`] to the cluster they ended up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClusterId(pub u32);

/// One live cluster as reported by [`Miner::clusters`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSummary {
    pub id: ClusterId,
    pub template: String,
    pub count: u64,
}

/// A fine cluster: one masked word sequence (possibly generalised by overflow folding).
#[derive(Debug)]
struct Fine {
    tokens: Box<[u32]>,
    count: u64,
}

/// The online template miner.
#[derive(Debug)]
pub struct Miner {
    config: MinerConfig,
    tokenizer: Tokenizer,
    interner: Interner,
    ids: Vec<u32>,
    fine: Vec<Fine>,
    /// Normalised message text → fine cluster.
    by_signature: FxHashMap<Box<str>, u32>,
    /// (word count, first word) → fine clusters, for the overflow fold.
    leaves: FxHashMap<(u32, u32), Leaf>,
    merged: OnceLock<Merged>,
}

impl Default for Miner {
    fn default() -> Self {
        Miner::new(MinerConfig::default())
    }
}

impl Miner {
    pub fn new(config: MinerConfig) -> Self {
        Miner {
            config,
            tokenizer: Tokenizer::default(),
            interner: Interner::default(),
            ids: Vec::new(),
            fine: Vec::new(),
            by_signature: FxHashMap::default(),
            leaves: FxHashMap::default(),
            merged: OnceLock::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &MinerConfig {
        &self.config
    }

    /// Assign one message to a cluster. O(words of the message).
    pub fn add(&mut self, message: &str) -> ClusterId {
        if self.merged.get().is_some() {
            self.merged = OnceLock::new();
        }
        self.tokenizer.normalize(message, self.config.max_words, self.config.max_word_bytes);
        // Warm path: this masked message was seen before: one hash lookup.
        if let Some(&id) = self.by_signature.get(self.tokenizer.text()) {
            self.fine[id as usize].count += 1;
            return ClusterId(id);
        }
        self.ids.clear();
        for w in self.tokenizer.words() {
            self.ids.push(self.interner.intern(w));
        }
        let key = (u32::try_from(self.ids.len()).unwrap_or(u32::MAX), self.ids.first().copied().unwrap_or(WILDCARD_ID));
        let leaf = self.leaves.entry(key).or_default();
        if leaf.clusters.len() >= self.config.max_leaf_clusters
            && let Some(id) = fold(&mut self.fine, leaf, &self.ids, self.config.fold_similarity)
        {
            if self.by_signature.len() < self.config.max_signatures {
                self.by_signature.insert(self.tokenizer.text().into(), id);
            }
            return ClusterId(id);
        }
        let id = u32::try_from(self.fine.len()).unwrap_or(u32::MAX);
        self.fine.push(Fine { tokens: self.ids.as_slice().into(), count: 1 });
        leaf.clusters.push(id);
        self.by_signature.insert(self.tokenizer.text().into(), id);
        ClusterId(id)
    }

    fn merged(&self) -> &Merged {
        self.merged.get_or_init(|| merge::merge(&self.fine, &self.interner, &self.config))
    }

    /// The final cluster `id` belongs to, after any merges.
    pub fn resolve(&self, id: ClusterId) -> ClusterId {
        ClusterId(self.merged().root(id.0))
    }

    /// The template of the cluster `id` resolves to: words joined by ' ', variables `<*>`.
    pub fn template(&self, id: ClusterId) -> String {
        let tokens = self.merged().template(id.0);
        let mut out = String::new();
        for (i, &t) in tokens.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(self.interner.word(t));
        }
        out
    }

    /// Live clusters, most frequent first; ties by id.
    pub fn clusters(&self) -> Vec<ClusterSummary> {
        let m = self.merged();
        let mut out: Vec<ClusterSummary> = m
            .roots()
            .map(|(root, count)| ClusterSummary {
                id: ClusterId(root),
                template: self.template(ClusterId(root)),
                count,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(&b.id)));
        out
    }
}

/// One (word count, first word) leaf of the online index.
#[derive(Debug, Default)]
struct Leaf {
    clusters: Vec<u32>,
    /// The cluster the last overflow message folded into: tried first, since overflow
    /// messages tend to share one generalised template.
    last_fold: Option<u32>,
}

/// Positions where template `t` accepts the message `ids` (equal word or variable).
#[inline]
fn accepted(t: &[u32], ids: &[u32]) -> usize {
    t.iter().zip(ids).filter(|&(&a, &b)| a == b || a == WILDCARD_ID).count()
}

/// Overflow: put the message into the most similar cluster of a full leaf (Drain's rule),
/// generalising its template where they differ. `None` when nothing is similar enough.
fn fold(fine: &mut [Fine], leaf: &mut Leaf, ids: &[u32], min_similarity: f64) -> Option<u32> {
    let n = ids.len();
    let mut best: Option<(usize, u32)> = None;
    if let Some(c) = leaf.last_fold
        && accepted(&fine[c as usize].tokens, ids) == n
    {
        best = Some((n, c));
    } else {
        for &c in &leaf.clusters {
            let same = accepted(&fine[c as usize].tokens, ids);
            if best.is_none_or(|(s, _)| same > s) {
                best = Some((same, c));
                if same == n {
                    break;
                }
            }
        }
    }
    let (same, c) = best?;
    if n == 0 || (same as f64) < min_similarity * n as f64 {
        return None;
    }
    let f = &mut fine[c as usize];
    for (a, &b) in f.tokens.iter_mut().zip(ids) {
        if *a != b {
            *a = WILDCARD_ID;
        }
    }
    f.count += 1;
    leaf.last_fold = Some(c);
    Some(c)
}
