//! The merge pass: union fine clusters whose templates differ only where the data shows a
//! variable.
//!
//! Rounds repeat until nothing changes:
//! 1. identical templates (reached through different merges) become one cluster;
//! 2. same length: clusters are bucketed by "every word except position p"; each bucket is a
//!    [`Candidate`] and [`evidence::decide`] says whether p is a variable there (then the
//!    bucket merges and p becomes `<*>`);
//! 3. different lengths: a cluster whose template equals another's with one `<*>` expanded
//!    into a short run of value-like words joins it (`for <*> failed` absorbs
//!    `for ns.example.com <*> failed`, where the host had no digit to be masked).
//!
//! All iteration is over sorted vectors, so the result never depends on hash-map order.

use std::collections::BTreeMap;

use crate::Fine;
use crate::config::MinerConfig;
use crate::evidence::{self, Candidate, KnownValues};
use crate::hash::FxHashMap;
use crate::intern::{Interner, WILDCARD_ID};
use crate::unionfind::UnionFind;

/// Result of the merge pass.
#[derive(Debug, Default)]
pub struct Merged {
    /// Fine id → root fine id.
    root: Vec<u32>,
    /// Per fine id: template and message count if it is a root.
    live: Vec<Option<(Box<[u32]>, u64)>>,
}

impl Merged {
    pub fn root(&self, id: u32) -> u32 {
        self.root.get(id as usize).copied().unwrap_or(id)
    }

    pub fn template(&self, id: u32) -> &[u32] {
        match self.live.get(self.root(id) as usize) {
            Some(Some((t, _))) => t,
            _ => &[],
        }
    }

    /// (root id, message count), in id order.
    pub fn roots(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.live.iter().enumerate().filter_map(|(i, l)| l.as_ref().map(|(_, c)| (i as u32, *c)))
    }
}

/// A set of merged fine clusters, stored at the index of its union-find root.
struct Group {
    tokens: Vec<u32>,
    count: u64,
    alive: bool,
}

struct State<'a> {
    groups: Vec<Group>,
    uf: UnionFind,
    interner: &'a Interner,
    cfg: &'a MinerConfig,
    known: KnownValues,
}

pub fn merge(fine: &[Fine], interner: &Interner, cfg: &MinerConfig) -> Merged {
    let mut s = State {
        groups: fine.iter().map(|f| Group { tokens: f.tokens.to_vec(), count: f.count, alive: true }).collect(),
        uf: UnionFind::new(fine.len()),
        interner,
        cfg,
        known: KnownValues::default(),
    };
    // A generous bound: every productive round merges at least one pair.
    // Each productive round merges at least one pair, so this ends; the bound only guards
    // against a bug turning into a hang.
    for _ in 0..fine.len().max(1) {
        let identical = s.merge_identical();
        if s.merge_same_length() || identical {
            continue;
        }
        if !s.merge_expansions() {
            break;
        }
    }
    let State { groups, mut uf, .. } = s;
    let root = (0..fine.len() as u32).map(|i| uf.find(i)).collect();
    let live = groups.into_iter().map(|g| g.alive.then(|| (g.tokens.into_boxed_slice(), g.count))).collect();
    Merged { root, live }
}

impl State<'_> {
    fn alive_ids(&self) -> Vec<u32> {
        (0..self.groups.len() as u32).filter(|&g| self.groups[g as usize].alive).collect()
    }

    /// Union two live groups; the root keeps `tokens` as its template.
    fn join(&mut self, a: u32, b: u32, tokens: Vec<u32>) -> u32 {
        let (a, b) = (self.uf.find(a), self.uf.find(b));
        if a == b {
            self.groups[a as usize].tokens = tokens;
            return a;
        }
        let root = self.uf.union(a, b);
        let gone = if root == a { b } else { a };
        let count = self.groups[gone as usize].count;
        let g = &mut self.groups[gone as usize];
        g.alive = false;
        g.count = 0;
        g.tokens = Vec::new();
        let r = &mut self.groups[root as usize];
        r.count += count;
        r.tokens = tokens;
        root
    }

    /// Same-length union: positions that differ become variables.
    fn join_same_length(&mut self, a: u32, b: u32) -> u32 {
        let (a, b) = (self.uf.find(a), self.uf.find(b));
        let mut tokens = std::mem::take(&mut self.groups[a as usize].tokens);
        for (x, &y) in tokens.iter_mut().zip(&self.groups[b as usize].tokens) {
            if *x != y {
                *x = WILDCARD_ID;
            }
        }
        self.join(a, b, tokens)
    }

    fn merge_identical(&mut self) -> bool {
        let mut order = self.alive_ids();
        let groups = &self.groups;
        order.sort_by(|&a, &b| groups[a as usize].tokens.cmp(&groups[b as usize].tokens).then(a.cmp(&b)));
        let runs: Vec<Vec<u32>> = order
            .chunk_by(|&a, &b| groups[a as usize].tokens == groups[b as usize].tokens)
            .filter(|run| run.len() >= 2)
            .map(<[u32]>::to_vec)
            .collect();
        for run in &runs {
            let tokens = self.groups[run[0] as usize].tokens.clone();
            for &g in &run[1..] {
                self.join(run[0], g, tokens.clone());
            }
        }
        !runs.is_empty()
    }

    /// One round of same-length merges.
    fn merge_same_length(&mut self) -> bool {
        let candidates = self.candidates();
        let verdicts = evidence::decide(&candidates, &self.known, self.interner, self.cfg);
        let mut changed = false;
        for (c, yes) in candidates.iter().zip(verdicts) {
            if !yes {
                continue;
            }
            for &(_, t, _) in &c.members {
                let v = evidence::value_part(self.interner.word(t));
                self.known.insert(v.into(), ());
            }
            let first = c.members[0].0;
            for &(g, _, _) in &c.members[1..] {
                self.join_same_length(first, g);
            }
            let root = self.uf.find(first) as usize;
            self.groups[root].tokens[c.position] = WILDCARD_ID;
            changed = true;
        }
        changed
    }

    /// All same-length candidates of the current groups.
    fn candidates(&self) -> Vec<Candidate> {
        let mut by_len: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for g in self.alive_ids() {
            by_len.entry(self.groups[g as usize].tokens.len()).or_default().push(g);
        }
        let mut out = Vec::new();
        // (position, hash of the other positions, group): sorting brings together the groups
        // that agree everywhere but at one position. Prefix and suffix hashes make each
        // position's key O(1), so a length class costs O(groups × length).
        let mut entries: Vec<(u32, u64, u32)> = Vec::new();
        let (mut prefix, mut suffix) = (Vec::new(), Vec::new());
        for (&len, ids) in &by_len {
            if ids.len() < 2 || len == 0 {
                continue;
            }
            entries.clear();
            for &g in ids {
                prefix_suffix(&self.groups[g as usize].tokens, &mut prefix, &mut suffix);
                for p in 0..len {
                    entries.push((p as u32, combine(prefix[p], suffix[p + 1]), g));
                }
            }
            entries.sort_unstable();
            for run in entries.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
                if run.len() < 2 {
                    continue;
                }
                let p = run[0].0 as usize;
                let list: Vec<u32> = run.iter().map(|e| e.2).collect();
                for class in self.equal_except(&list, p) {
                    if class.len() >= 2 {
                        out.push(self.candidate(&class, p, len));
                    }
                }
            }
        }
        out
    }

    fn candidate(&self, class: &[u32], p: usize, len: usize) -> Candidate {
        let tokens = &self.groups[class[0] as usize].tokens;
        let constants = tokens.iter().enumerate().filter(|&(i, &t)| i != p && !self.interner.has_var(t)).count();
        let members = class
            .iter()
            .map(|&g| {
                let group = &self.groups[g as usize];
                (g, group.tokens[p], group.count)
            })
            .collect();
        Candidate { position: p, len, constants, members }
    }

    /// Split a hash bucket into classes whose tokens are really equal outside position `p`
    /// (hash collisions are possible). Keeps ascending id order.
    fn equal_except(&self, list: &[u32], p: usize) -> Vec<Vec<u32>> {
        let mut classes: Vec<Vec<u32>> = Vec::new();
        'outer: for &g in list {
            let t = &self.groups[g as usize].tokens;
            for class in &mut classes {
                let u = &self.groups[class[0] as usize].tokens;
                if t.iter().zip(u).enumerate().all(|(i, (a, b))| i == p || a == b) {
                    class.push(g);
                    continue 'outer;
                }
            }
            classes.push(vec![g]);
        }
        classes
    }

    /// Cross-length merges: B joins A when A has `<*>` at w and B has a run of 2..=8
    /// value-like words at w, with everything before and after equal.
    fn merge_expansions(&mut self) -> bool {
        const MAX_RUN: usize = 8;
        let alive = self.alive_ids();
        let (mut prefix, mut suffix) = (Vec::new(), Vec::new());
        // (length, w, prefix hash, suffix hash) → general templates, ascending id.
        let mut general: FxHashMap<(usize, usize, u64, u64), Vec<u32>> = FxHashMap::default();
        for &a in &alive {
            let t = &self.groups[a as usize].tokens;
            if self.constants(t) < self.cfg.merge_min_context {
                continue;
            }
            prefix_suffix(t, &mut prefix, &mut suffix);
            for (w, &tok) in t.iter().enumerate() {
                if tok == WILDCARD_ID {
                    general.entry((t.len(), w, prefix[w], suffix[w + 1])).or_default().push(a);
                }
            }
        }
        if general.is_empty() {
            return false;
        }
        let mut joins: Vec<(u32, u32)> = Vec::new();
        for &b in &alive {
            let t = &self.groups[b as usize].tokens;
            let m = t.len();
            prefix_suffix(t, &mut prefix, &mut suffix);
            'starts: for w in 0..m {
                for r in 2..=MAX_RUN.min(m - w) {
                    if !self.value_like(t[w + r - 1]) || !self.value_like(t[w]) {
                        continue 'starts;
                    }
                    let key = (m - r + 1, w, prefix[w], suffix[w + r]);
                    let Some(list) = general.get(&key) else {
                        continue;
                    };
                    for &a in list {
                        let u = &self.groups[a as usize].tokens;
                        if a != b && u[..w] == t[..w] && u[w + 1..] == t[w + r..] {
                            joins.push((a, b));
                            break 'starts;
                        }
                    }
                }
            }
        }
        let mut changed = false;
        for (a, b) in joins {
            let (ra, rb) = (self.uf.find(a), self.uf.find(b));
            if ra == rb {
                continue;
            }
            let tokens = self.groups[ra as usize].tokens.clone();
            self.join(ra, rb, tokens);
            changed = true;
        }
        changed
    }

    fn constants(&self, tokens: &[u32]) -> usize {
        tokens.iter().filter(|&&t| !self.interner.has_var(t)).count()
    }

    /// A word that can be part of a variable's value: a masked word, or an identifier-shaped
    /// one (`ns.example.com`, `a_b`, `x-y`), never a plain word of the message.
    fn value_like(&self, token: u32) -> bool {
        if self.interner.has_var(token) {
            return true;
        }
        let w = self.interner.word(token).as_bytes();
        let inner = w.len() > 2 && w[1..w.len() - 1].iter().any(|b| b".-_@$".contains(b));
        inner && w.iter().any(u8::is_ascii_alphanumeric)
    }
}

/// `prefix[i]` hashes `tokens[..i]`, `suffix[i]` hashes `tokens[i..]` (position-free, so
/// equal tails of different-length templates hash equal).
fn prefix_suffix(tokens: &[u32], prefix: &mut Vec<u64>, suffix: &mut Vec<u64>) {
    let n = tokens.len();
    prefix.clear();
    prefix.push(0x9e37_79b9_7f4a_7c15);
    for &t in tokens {
        let h = prefix[prefix.len() - 1];
        prefix.push(step(h, t));
    }
    suffix.clear();
    suffix.resize(n + 1, 0x2545_f491_4f6c_dd1d);
    for i in (0..n).rev() {
        suffix[i] = step(suffix[i + 1], tokens[i]);
    }
}

#[inline]
fn step(h: u64, t: u32) -> u64 {
    (h.rotate_left(5) ^ u64::from(t)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

#[inline]
fn combine(a: u64, b: u64) -> u64 {
    (a ^ b.rotate_left(29)).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}
