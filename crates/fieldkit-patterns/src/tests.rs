//! Behaviour of the public API: determinism, merges, ids, limits.

use super::*;

fn mine(lines: &[&str]) -> (Miner, Vec<ClusterId>) {
    let mut m = Miner::default();
    let ids = lines.iter().map(|l| m.add(l)).collect();
    (m, ids)
}

fn templates(m: &Miner, ids: &[ClusterId]) -> Vec<String> {
    ids.iter().map(|&id| m.template(m.resolve(id))).collect()
}

/// A small mixed log: users (a variable without digits), states (constants), numbers.
fn sample() -> Vec<String> {
    let mut lines = Vec::new();
    let users = ["cyrus", "news", "test"];
    let states = ["Started", "Paused", "Resumed", "Stopped"];
    for i in 0..60 {
        let u = users[i % users.len()];
        lines.push(format!("session opened for user {u} by (uid={i})"));
        lines.push(format!("session closed for user {u}"));
        lines.push(format!("[instance: {i:08x}-aaaa] VM {} (Lifecycle Event)", states[i % states.len()]));
        lines.push(format!("Received block blk_{i} of size {} from 10.0.0.{i}", i * 512));
    }
    lines
}

#[test]
fn same_input_same_output() {
    let lines = sample();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (a, ids_a) = mine(&refs);
    let (b, ids_b) = mine(&refs);
    assert_eq!(ids_a, ids_b);
    assert_eq!(templates(&a, &ids_a), templates(&b, &ids_b));
    assert_eq!(a.clusters(), b.clusters());
}

#[test]
fn variables_merge_and_constants_split() {
    let lines = sample();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (m, ids) = mine(&refs);
    let t = templates(&m, &ids);
    assert_eq!(t[0], "session opened for user <*> by (uid=<*>)");
    assert_eq!(t[1], "session closed for user <*>");
    assert_eq!(t[2], "[instance: <*>] VM Started (Lifecycle Event)");
    assert_eq!(t[6], "[instance: <*>] VM Paused (Lifecycle Event)");
    assert_eq!(t[3], "Received block <*> of size <*> from <*>");
    // Every user's lines end in one cluster, under the smallest fine id.
    assert_eq!(m.resolve(ids[0]), m.resolve(ids[4]));
    assert_eq!(m.resolve(ids[0]), ids[0]);
    let summary = m.clusters();
    assert_eq!(summary.len(), 2 + 4 + 1);
    assert_eq!(summary.iter().map(|c| c.count).sum::<u64>(), lines.len() as u64);
}

#[test]
fn clusters_are_sorted_and_templates_distinct() {
    let lines = sample();
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (m, ids) = mine(&refs);
    let summary = m.clusters();
    for w in summary.windows(2) {
        assert!(w[0].count > w[1].count || (w[0].count == w[1].count && w[0].id < w[1].id), "{w:?}");
    }
    let mut t: Vec<&str> = summary.iter().map(|c| c.template.as_str()).collect();
    t.sort_unstable();
    t.dedup();
    assert_eq!(t.len(), summary.len());
    for &id in &ids {
        let root = m.resolve(id);
        assert!(summary.iter().any(|c| c.id == root));
        assert_eq!(m.resolve(root), root);
    }
}

#[test]
fn adding_after_a_query_updates_the_result() {
    let mut m = Miner::default();
    let a = m.add("user alice logged in from console");
    let b = m.add("user bob logged in from console");
    assert_ne!(m.resolve(a), m.resolve(b));
    let c = m.add("user carol logged in from console");
    let d = m.add("user dave logged in from console");
    // Four names in four messages: now a variable.
    assert_eq!(m.resolve(a), m.resolve(d));
    assert_eq!(m.resolve(b), m.resolve(c));
    assert_eq!(m.template(b), "user <*> logged in from console");
}

#[test]
fn unknown_ids_do_not_panic() {
    let m = Miner::default();
    assert_eq!(m.resolve(ClusterId(7)), ClusterId(7));
    assert_eq!(m.template(ClusterId(7)), "");
    assert!(m.clusters().is_empty());
}

#[test]
fn odd_messages() {
    let mut m = Miner::default();
    let empty = m.add("");
    let blank = m.add("   \t ");
    assert_eq!(m.resolve(empty), m.resolve(blank));
    assert_eq!(m.template(empty), "");
    let huge = "word ".repeat(2_000_000) + &"x".repeat(1_000_000);
    let h = m.add(&huge);
    assert_eq!(m.template(h).split(' ').count(), m.config().max_words);
    let odd = m.add("\u{feff}ünï 𝕏 \u{0} (((1 KB)))");
    assert!(!m.template(odd).is_empty());
    assert_eq!(m.clusters().iter().map(|c| c.count).sum::<u64>(), 4);
}

#[test]
fn full_leaves_fold_into_similar_clusters() {
    let config = MinerConfig { max_leaf_clusters: 2, ..MinerConfig::default() };
    let mut m = Miner::new(config);
    let a = m.add("job alpha finished ok");
    m.add("job beta finished ok");
    let c = m.add("job gamma finished ok");
    assert_eq!(c, a, "third distinct shape folds into the first");
    assert_eq!(m.template(c), "job <*> finished ok");
}

#[test]
fn random_input_never_panics_and_counts_reconcile() {
    // A fixed xorshift stream over an alphabet heavy in delimiters, digits and multi-byte
    // characters: every message must land in exactly one live cluster.
    const ALPHABET: &[&str] = &[
        "a", "b", "x", "0", "7", " ", " ", "  ", "\t", "=", ":", ",", "(", ")", "[", "]", "{", "}", "\"", "'", ";",
        "<", ">", "|", ".", "..", "/", "-", "_", "é", "数", "𝕏", "\u{0}", "KB", "sec", "0x1f", "<*>", "user",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut m = Miner::default();
    let mut ids = Vec::new();
    for _ in 0..3000 {
        let len = (next() % 40) as usize;
        let msg: String = (0..len).map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize]).collect();
        ids.push(m.add(&msg));
    }
    let summary = m.clusters();
    assert_eq!(summary.iter().map(|c| c.count).sum::<u64>(), ids.len() as u64);
    for id in ids {
        let root = m.resolve(id);
        assert!(summary.iter().any(|c| c.id == root));
        let _ = m.template(id);
    }
}
