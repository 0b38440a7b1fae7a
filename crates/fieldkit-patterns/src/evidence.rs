//! Deciding whether the words seen at one position are values of a variable.
//!
//! A candidate is a set of clusters that agree everywhere except one position. Merging them
//! says "that position is a variable"; keeping them apart says "that word is part of the
//! message" (`VM Started` / `VM Stopped`). The evidence, in order:
//!
//! 1. context: at least `merge_min_context` agreeing constant words (one more when the
//!    differing word is the first: leading words name the event more often than not);
//! 2. a value already containing a variable (`rhost=<*>` next to `rhost=zummit.com`);
//! 3. many distinct words relative to the messages (`Invalid user {57 names}`);
//! 4. `merge_min_known_values` words already merged as variable values elsewhere (`root`
//!    once `user <*>` merged);
//! 5. another template's candidate showing `merge_min_shared_values` of the same words
//!    (`session opened for user
//!    {cyrus,news,test}` and `session closed for user {cyrus,news,test}`): two templates
//!    sharing a value set share a variable, while a template's own states rarely recur.
//!
//! Words are compared by their value part (`root` in `user=root`), so a key=value field and
//! a bare word carrying the same values support each other.

use crate::config::MinerConfig;
use crate::hash::FxHashMap;
use crate::intern::Interner;

/// Values shown by more candidates than this are not used as shared evidence.
const MAX_FAN_OUT: usize = 256;

/// Clusters that agree everywhere except at `position`.
pub struct Candidate {
    pub position: usize,
    /// Word count of the templates.
    pub len: usize,
    /// Constant words outside `position`.
    pub constants: usize,
    /// (group id, word at `position`, message count), ascending group id, distinct words.
    pub members: Vec<(u32, u32, u64)>,
}

/// Words (by value part) already merged as variable values.
pub type KnownValues = FxHashMap<Box<str>, ()>;

/// The value of a `key=value` word, else the word.
pub fn value_part(word: &str) -> &str {
    word.rsplit_once('=').map_or(word, |(_, v)| v)
}

/// One verdict per candidate.
pub fn decide(candidates: &[Candidate], known: &KnownValues, interner: &Interner, cfg: &MinerConfig) -> Vec<bool> {
    // Value text → candidates showing it (each candidate once per value).
    let mut by_value: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    let mut values: Vec<&str> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        distinct_values(c, interner, &mut values);
        for v in &values {
            by_value.entry(v).or_default().push(i as u32);
        }
    }
    let mut shared: Vec<u32> = Vec::new();
    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if !has_context(c, cfg) {
                return false;
            }
            if has_variable_value(c, interner) || has_many_values(c, cfg) {
                return true;
            }
            distinct_values(c, interner, &mut values);
            let known_count = values.iter().filter(|v| known.contains_key(**v)).count();
            if known_count >= cfg.merge_min_known_values {
                return true;
            }
            shared.clear();
            for v in &values {
                let showing = &by_value[v];
                if showing.len() > MAX_FAN_OUT {
                    // A word in that many places is too common to tie two positions together,
                    // and following it would make this quadratic.
                    continue;
                }
                for &j in showing {
                    if j != i as u32 && independent(c, &candidates[j as usize]) {
                        shared.push(j);
                    }
                }
            }
            shared.sort_unstable();
            longest_run(&shared) >= cfg.merge_min_shared_values.max(1)
        })
        .collect()
}

/// The distinct value parts of a candidate's words, sorted.
pub fn distinct_values<'a>(c: &Candidate, interner: &'a Interner, out: &mut Vec<&'a str>) {
    out.clear();
    out.extend(c.members.iter().map(|m| value_part(interner.word(m.1))));
    out.sort_unstable();
    out.dedup();
}

fn has_context(c: &Candidate, cfg: &MinerConfig) -> bool {
    let need = cfg.merge_min_context + usize::from(c.position == 0);
    c.constants >= need
}

fn has_variable_value(c: &Candidate, interner: &Interner) -> bool {
    c.members.iter().any(|&(_, t, _)| interner.has_var(t))
}

fn has_many_values(c: &Candidate, cfg: &MinerConfig) -> bool {
    let distinct = c.members.len();
    let messages: u64 = c.members.iter().map(|m| m.2).sum();
    distinct >= cfg.merge_min_distinct && distinct as f64 >= cfg.merge_min_distinct_ratio * messages as f64
}

/// Candidates of the same length at the same position are the same clusters seen through
/// another differing word, not a second template: they do not corroborate each other.
fn independent(a: &Candidate, b: &Candidate) -> bool {
    a.len != b.len || a.position != b.position
}

/// Length of the longest run of equal ids in a sorted slice.
fn longest_run(sorted: &[u32]) -> usize {
    let mut best = 0;
    let mut run = 0;
    for (k, &j) in sorted.iter().enumerate() {
        run = if k > 0 && sorted[k - 1] == j { run + 1 } else { 1 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(interner: &mut Interner, len: usize, position: usize, words: &[(&str, u64)]) -> Candidate {
        Candidate {
            position,
            len,
            constants: len - 1,
            members: words.iter().enumerate().map(|(g, &(w, n))| (g as u32, interner.intern(w), n)).collect(),
        }
    }

    #[test]
    fn verdicts() {
        let cfg = MinerConfig::default();
        let mut i = Interner::default();
        // (case, template length, differing position, words with message counts, variable?)
        type Case<'a> = (&'a str, usize, usize, &'a [(&'a str, u64)], bool);
        let table: [Case; 5] = [
            (
                "states of one template",
                6,
                3,
                &[("Started", 22), ("Paused", 22), ("Resumed", 44), ("Stopped", 22)],
                false,
            ),
            ("many names", 5, 2, &[("webmaster", 2), ("chen", 1), ("pgadmin", 1), ("utsims", 1)], true),
            ("a value with a variable", 9, 7, &[("rhost=<*>", 89), ("rhost=zummit.com", 10)], true),
            ("too little context", 2, 1, &[("a", 1), ("b", 1), ("c", 1)], false),
            ("first word needs more context", 3, 0, &[("a", 1), ("b", 1), ("c", 1)], false),
        ];
        for (name, len, position, words, want) in table {
            let c = candidate(&mut i, len, position, words);
            let got = decide(&[c], &KnownValues::default(), &i, &cfg);
            assert_eq!(got, [want], "{name}");
        }
    }

    #[test]
    fn shared_value_sets_corroborate() {
        let cfg = MinerConfig::default();
        let mut i = Interner::default();
        let users = [("cyrus", 43), ("news", 43), ("test", 36)];
        let opened = candidate(&mut i, 7, 4, &users);
        let closed = candidate(&mut i, 5, 4, &users);
        let alone = candidate(&mut i, 5, 4, &users);
        assert_eq!(decide(&[opened, closed], &KnownValues::default(), &i, &cfg), [true, true]);
        assert_eq!(decide(&[alone], &KnownValues::default(), &i, &cfg), [false]);
        // The same words in `user=...` form corroborate too.
        let kv = candidate(&mut i, 9, 8, &[("user=cyrus", 3), ("user=news", 2), ("user=test", 2)]);
        let alone = candidate(&mut i, 5, 4, &users);
        assert_eq!(decide(&[kv, alone], &KnownValues::default(), &i, &cfg), [true, true]);
    }

    #[test]
    fn known_values_count() {
        let cfg = MinerConfig::default();
        let mut i = Interner::default();
        let mut known = KnownValues::default();
        for v in ["root", "ftp", "git"] {
            known.insert(v.into(), ());
        }
        let c = candidate(&mut i, 9, 3, &[("root", 368), ("ftp", 3), ("git", 3)]);
        assert_eq!(decide(&[c], &known, &i, &cfg), [true]);
    }
}
