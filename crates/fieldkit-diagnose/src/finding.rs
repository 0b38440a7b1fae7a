//! Turning per-file rule hits into ranked, correlated findings.
//!
//! Correlation: rules that share a `correlate.group` describe one problem seen from several places
//! (a client's "SSL handshake failed", the broker's "Failed authentication … (SSL handshake failed)",
//! the `CertificateException` that says why). Each fired `cause` becomes one finding carrying the
//! evidence of every fired `symptom` of its group; a group where only symptoms fired becomes one
//! finding led by its most severe symptom.

use std::collections::{BTreeMap, BTreeSet};

use fieldkit_logs::{FileKind, Level, Skipped, earliest, format_utc_millis};
use fieldkit_patterns::{Miner, MinerConfig};
use serde::Serialize;

use crate::playbook::Playbook;
use crate::rule::{Role, Severity};
use crate::scan::{FileScan, Sample};

/// Evidence lines shown per finding.
pub const MAX_EVIDENCE: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub file: String,
    pub line: u64,
    pub text: String,
    /// The rule whose match this line is (differs from the finding's id for correlated symptoms).
    pub rule: String,
    pub host: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(skip)]
    pub millis: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub category: String,
    pub component: String,
    /// Matching records, the correlated symptoms' included.
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub hosts: Vec<String>,
    pub files: Vec<String>,
    pub evidence: Vec<Evidence>,
    pub diagnosis: String,
    pub remediation: Vec<String>,
    pub references: Vec<String>,
    /// Other rules of the same correlation group that fired and whose evidence is included.
    pub related: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<String>,
}

/// An ERROR/FATAL template that no rule explains: listed so nothing is hidden.
#[derive(Clone, Debug, Serialize)]
pub struct Unexplained {
    pub template: String,
    pub level: Level,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub example: Evidence,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub kind: FileKind,
    pub host: String,
    pub bytes: u64,
    pub lines: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Records that matched at least one rule... counted per rule hit.
    pub matches: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub files_skipped: usize,
    pub bytes: u64,
    pub lines: u64,
    pub records_examined: u64,
    pub records_out_of_range: u64,
    pub rules_loaded: usize,
    pub rules_fired: usize,
    pub findings: usize,
    pub findings_by_severity: BTreeMap<String, usize>,
    pub unexplained_records: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Wall time of the scan in milliseconds (set by the caller, which owns the clock).
    pub elapsed_ms: u64,
}

/// The whole triage result: what `--format json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub bundle: String,
    pub findings: Vec<Finding>,
    pub unexplained: Vec<Unexplained>,
    pub files: Vec<FileSummary>,
    pub skipped: Vec<Skipped>,
    pub stats: Stats,
}

impl Report {
    /// The exit status a CI job gates on: 1 when any finding is at warning or above.
    pub fn has_problems(&self) -> bool {
        self.findings.iter().any(|f| f.severity >= Severity::Warning)
    }
}

#[derive(Default)]
struct RuleTotal {
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    samples: Vec<Evidence>,
    hosts: BTreeSet<String>,
    files: BTreeSet<String>,
}

struct UnexplainedInput {
    file: usize,
    level: Level,
    line: u64,
    timestamp: Option<i64>,
    message: String,
    text: String,
}

/// Collects file scans in bundle order and produces the report.
pub struct Aggregator<'p> {
    playbook: &'p Playbook,
    bundle: String,
    files: Vec<FileSummary>,
    totals: BTreeMap<u32, RuleTotal>,
    unexplained: Vec<UnexplainedInput>,
    stats: Stats,
    first: Option<i64>,
    last: Option<i64>,
}

fn fmt_ts(ms: Option<i64>) -> Option<String> {
    ms.map(format_utc_millis)
}

impl<'p> Aggregator<'p> {
    pub fn new(playbook: &'p Playbook, bundle: impl Into<String>) -> Self {
        Aggregator {
            playbook,
            bundle: bundle.into(),
            files: Vec::new(),
            totals: BTreeMap::new(),
            unexplained: Vec::new(),
            stats: Stats { rules_loaded: playbook.rules.len(), ..Stats::default() },
            first: None,
            last: None,
        }
    }

    /// Adds one file's scan. Call in bundle order: evidence order and mining depend on it.
    pub fn add(&mut self, path: &str, host: &str, kind: FileKind, scan: FileScan) {
        let file_idx = self.files.len();
        self.stats.files += 1;
        self.stats.bytes += scan.bytes;
        self.stats.lines += scan.lines;
        self.stats.records_examined += scan.records_examined;
        self.stats.records_out_of_range += scan.records_out_of_range;
        self.stats.unexplained_records += scan.unexplained.len() as u64 + scan.unexplained_overflow;
        self.first = earliest(self.first, scan.first_seen);
        self.last = self.last.max(scan.last_seen);
        let mut matches = 0;
        for (rule, hits) in scan.rules {
            matches += hits.count;
            let total = self.totals.entry(rule).or_default();
            total.count += hits.count;
            total.first = earliest(total.first, hits.first_seen);
            total.last = total.last.max(hits.last_seen);
            total.hosts.insert(host.to_string());
            total.files.insert(path.to_string());
            let rule_id = &self.playbook.rules[rule as usize].id;
            total.samples.extend(hits.samples.into_iter().map(|s: Sample| Evidence {
                file: path.to_string(),
                line: s.line,
                text: s.text,
                rule: rule_id.clone(),
                host: host.to_string(),
                timestamp: fmt_ts(s.timestamp),
                millis: s.timestamp,
            }));
        }
        self.unexplained.extend(scan.unexplained.into_iter().map(|u| UnexplainedInput {
            file: file_idx,
            level: u.level,
            line: u.line,
            timestamp: u.timestamp,
            message: u.message,
            text: u.text,
        }));
        self.files.push(FileSummary {
            path: path.to_string(),
            kind,
            host: host.to_string(),
            bytes: scan.bytes,
            lines: scan.lines,
            first_seen: fmt_ts(scan.first_seen),
            last_seen: fmt_ts(scan.last_seen),
            matches,
        });
    }

    /// Builds the report, keeping findings at `min_severity` or above.
    pub fn finish(self, min_severity: Severity, skipped: Vec<Skipped>) -> Report {
        let Aggregator { playbook, bundle, files, mut totals, unexplained, mut stats, first, last } = self;
        stats.rules_fired = totals.len();
        stats.files_skipped = skipped.len();
        stats.first_seen = fmt_ts(first);
        stats.last_seen = fmt_ts(last);

        // Group fired rules by correlation group; ungrouped rules stand alone.
        let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut findings = Vec::new();
        for &rule in totals.keys() {
            match &playbook.rules[rule as usize].correlate {
                Some(c) => groups.entry(c.group.clone()).or_default().push(rule),
                None => findings.push((rule, Vec::new())),
            }
        }
        for members in groups.into_values() {
            let role = |r: &u32| playbook.rules[*r as usize].correlate.as_ref().map(|c| c.role);
            let causes: Vec<u32> = members.iter().copied().filter(|r| role(r) == Some(Role::Cause)).collect();
            let symptoms: Vec<u32> = members.iter().copied().filter(|r| role(r) == Some(Role::Symptom)).collect();
            if causes.is_empty() {
                // Lead with the most severe symptom, then the most frequent.
                let lead = *symptoms
                    .iter()
                    .max_by_key(|r| (playbook.rules[**r as usize].severity, totals[*r].count, std::cmp::Reverse(**r)))
                    .expect("a group has at least one fired rule");
                findings.push((lead, symptoms.into_iter().filter(|r| *r != lead).collect()));
            } else {
                // Symptoms join the most frequent cause only, so no record is counted twice when
                // a group has several causes (an expired certificate AND a SAN mismatch).
                let lead = *causes
                    .iter()
                    .max_by_key(|r| (totals[*r].count, playbook.rules[**r as usize].severity, std::cmp::Reverse(**r)))
                    .expect("causes is not empty");
                for cause in causes {
                    findings.push((cause, if cause == lead { symptoms.clone() } else { Vec::new() }));
                }
            }
        }

        let mut built: Vec<Finding> =
            findings.into_iter().map(|(lead, related)| build_finding(playbook, &mut totals, lead, &related)).collect();
        built.retain(|f| f.severity >= min_severity);
        built.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.count.cmp(&a.count)).then(a.id.cmp(&b.id)));
        stats.findings = built.len();
        for f in &built {
            *stats.findings_by_severity.entry(f.severity.as_str().to_string()).or_default() += 1;
        }
        let unexplained = mine_unexplained(&files, unexplained);
        Report { bundle, findings: built, unexplained, files, skipped, stats }
    }
}

fn build_finding(playbook: &Playbook, totals: &mut BTreeMap<u32, RuleTotal>, lead: u32, related: &[u32]) -> Finding {
    let rule = &playbook.rules[lead as usize];
    let mut count = 0;
    let mut first = None;
    let mut last = None;
    let mut hosts = BTreeSet::new();
    let mut files = BTreeSet::new();
    let mut candidates: Vec<Evidence> = Vec::new();
    let mut severity = rule.severity;
    for r in std::iter::once(&lead).chain(related) {
        let total = &totals[r];
        count += total.count;
        first = earliest(first, total.first);
        last = last.max(total.last);
        hosts.extend(total.hosts.iter().filter(|h| !h.is_empty()).cloned());
        files.extend(total.files.iter().cloned());
        candidates.extend(total.samples.iter().cloned());
        severity = severity.max(playbook.rules[*r as usize].severity);
    }
    Finding {
        id: rule.id.clone(),
        title: rule.title.clone(),
        severity,
        category: rule.category.as_str().to_string(),
        component: rule.component.clone(),
        count,
        first_seen: fmt_ts(first),
        last_seen: fmt_ts(last),
        hosts: hosts.into_iter().collect(),
        files: files.into_iter().collect(),
        evidence: choose_evidence(candidates, &rule.id),
        diagnosis: rule.diagnosis.trim().to_string(),
        remediation: rule.remediation.clone(),
        references: rule.references.clone(),
        related: {
            let mut ids: Vec<String> = related.iter().map(|r| playbook.rules[*r as usize].id.clone()).collect();
            ids.sort();
            ids
        },
        versions: rule.versions.clone(),
    }
}

/// Picks the evidence that tells the story: the lead rule's first, one line per (rule, file) pair
/// before any second line from the same pair, then shown in time order.
fn choose_evidence(mut candidates: Vec<Evidence>, lead: &str) -> Vec<Evidence> {
    candidates.sort_by(|a, b| {
        (a.rule != lead)
            .cmp(&(b.rule != lead))
            .then(a.millis.cmp(&b.millis))
            .then(a.file.cmp(&b.file))
            .then(a.line.cmp(&b.line))
    });
    let mut chosen: Vec<Evidence> = Vec::new();
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut rest = Vec::new();
    for e in candidates {
        if chosen.len() < MAX_EVIDENCE && seen.insert((e.rule.clone(), e.file.clone())) {
            chosen.push(e);
        } else {
            rest.push(e);
        }
    }
    chosen.extend(rest.into_iter().take(MAX_EVIDENCE.saturating_sub(chosen.len())));
    chosen.sort_by(|a, b| a.millis.cmp(&b.millis).then(a.file.cmp(&b.file)).then(a.line.cmp(&b.line)));
    chosen
}

/// One unexplained template while it is being counted.
struct TemplateTally {
    count: u64,
    first: Option<i64>,
    last: Option<i64>,
    /// Index of the first record seen with this template: the example.
    example: usize,
    level: Level,
}

/// Groups unexplained error records by template, most frequent first.
fn mine_unexplained(files: &[FileSummary], records: Vec<UnexplainedInput>) -> Vec<Unexplained> {
    let mut miner = Miner::new(MinerConfig::default());
    // Add everything before the first query: the miner's merge pass runs once, lazily.
    let ids: Vec<_> = records.iter().map(|r| miner.add(&r.message)).collect();
    let mut groups: BTreeMap<u32, TemplateTally> = BTreeMap::new();
    for (i, (record, id)) in records.iter().zip(&ids).enumerate() {
        let id = miner.resolve(*id).0;
        let g = groups.entry(id).or_insert(TemplateTally {
            count: 0,
            first: record.timestamp,
            last: record.timestamp,
            example: i,
            level: record.level,
        });
        g.count += 1;
        g.first = earliest(g.first, record.timestamp);
        g.last = g.last.max(record.timestamp);
        g.level = g.level.max(record.level);
    }
    let mut out: Vec<Unexplained> = groups
        .into_iter()
        .map(|(id, g)| {
            let r = &records[g.example];
            let file = &files[r.file];
            Unexplained {
                template: miner.template(fieldkit_patterns::ClusterId(id)),
                level: g.level,
                count: g.count,
                first_seen: fmt_ts(g.first),
                last_seen: fmt_ts(g.last),
                example: Evidence {
                    file: file.path.clone(),
                    line: r.line,
                    text: r.text.clone(),
                    rule: String::new(),
                    host: file.host.clone(),
                    timestamp: fmt_ts(r.timestamp),
                    millis: r.timestamp,
                },
            }
        })
        .collect();
    out.sort_by(|a, b| b.level.cmp(&a.level).then(b.count.cmp(&a.count)).then(a.template.cmp(&b.template)));
    out
}
