//! Accuracy on the 16 Loghub 2k samples (read from /work/shared at run time; the data is
//! under a research licence and is never copied into the repository).
//!
//! Grouping accuracy (GA) is computed exactly as `shared/tools/loghub_eval.py` does: a line
//! is correct when the set of lines sharing its predicted template equals the set sharing its
//! true template. The labels are the corrected Loghub-2.0 ones where they exist.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fieldkit_patterns::{Miner, MinerConfig};

const DATASETS: [&str; 16] = [
    "Android",
    "Apache",
    "BGL",
    "HDFS",
    "HPC",
    "Hadoop",
    "HealthApp",
    "Linux",
    "Mac",
    "OpenSSH",
    "OpenStack",
    "Proxifier",
    "Spark",
    "Thunderbird",
    "Windows",
    "Zookeeper",
];

/// Required average GA over the 16 datasets, with the one default configuration.
const MIN_AVERAGE_GA: f64 = 0.90;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/loghub")
}

/// (Content, EventTemplate) per line, in file order.
fn labelled(dataset: &str) -> Vec<(String, String)> {
    let dir = data_dir().join(dataset);
    let corrected = dir.join(format!("{dataset}_2k.log_structured_corrected.csv"));
    let path = if corrected.exists() { corrected } else { dir.join(format!("{dataset}_2k.log_structured.csv")) };
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader.headers().expect("header row").clone();
    let col = |name: &str| {
        headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{} has no {name} column", path.display()))
    };
    let (content, template) = (col("Content"), col("EventTemplate"));
    reader
        .records()
        .map(|r| {
            let r = r.expect("csv record");
            // loghub_eval.py's `contents` replaces newlines; do the same.
            (r[content].replace('\n', " "), r[template].to_string())
        })
        .collect()
}

/// Grouping accuracy as in loghub_eval.py.
fn grouping_accuracy(truth: &[String], predicted: &[String]) -> f64 {
    let mut true_groups: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut pred_groups: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (t, p)) in truth.iter().zip(predicted).enumerate() {
        true_groups.entry(t).or_default().push(i);
        pred_groups.entry(p).or_default().push(i);
    }
    let mut correct = 0;
    for members in pred_groups.values() {
        let first = truth[members[0]].as_str();
        if members.iter().all(|&i| truth[i] == first) && true_groups[first] == *members {
            correct += members.len();
        }
    }
    correct as f64 / truth.len() as f64
}

#[test]
fn loghub_average_grouping_accuracy() {
    let dir = data_dir();
    assert!(
        dir.is_dir(),
        "Loghub data not found at {} (expected /work/shared/data/loghub beside the repo)",
        dir.display()
    );
    println!("| dataset | GA | true templates | predicted templates |");
    println!("|---|---:|---:|---:|");
    let mut total = 0.0;
    for dataset in DATASETS {
        let rows = labelled(dataset);
        let mut miner = Miner::new(MinerConfig::default());
        let ids: Vec<_> = rows.iter().map(|(content, _)| miner.add(content)).collect();
        let predicted: Vec<String> = ids.iter().map(|&id| miner.template(miner.resolve(id))).collect();
        let truth: Vec<String> = rows.into_iter().map(|(_, t)| t).collect();
        let ga = grouping_accuracy(&truth, &predicted);
        let count = |v: &[String]| {
            let mut v: Vec<&String> = v.iter().collect();
            v.sort();
            v.dedup();
            v.len()
        };
        println!("| {dataset} | {ga:.4} | {} | {} |", count(&truth), count(&predicted));
        total += ga;
    }
    let average = total / DATASETS.len() as f64;
    println!("| **average** | **{average:.4}** | | |");
    assert!(average >= MIN_AVERAGE_GA, "average grouping accuracy {average:.4} is below {MIN_AVERAGE_GA}");
}
