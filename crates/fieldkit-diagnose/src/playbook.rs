//! A compiled playbook: rules plus the one multi-pattern automaton that finds every rule's
//! candidates in a single pass over a file.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, MatchKind};
use fieldkit_logs::{FileKind, Level};

use crate::rule::{Rule, RuleError, parse_rules, validate};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_playbook.rs"));
}

/// The YAML files of the built-in playbook: (file name, text).
pub fn builtin_sources() -> &'static [(&'static str, &'static str)] {
    builtin::BUILTIN
}

/// Level words that mark a record as an error whatever rule explains it; they ride in the same
/// automaton so that unexplained errors cost no extra pass.
const LEVEL_NEEDLES: [&str; 3] = ["ERROR", "FATAL", "SEVERE"];

pub(crate) struct CompiledMatcher {
    pub rule: u32,
    pub contains: Vec<memchr::memmem::Finder<'static>>,
    pub regex: Option<regex::bytes::Regex>,
    pub levels: Option<Vec<Level>>,
    pub logger: Option<regex::Regex>,
    pub file_kinds: Option<Vec<FileKind>>,
}

/// Rules ready to match.
pub struct Playbook {
    pub rules: Vec<Rule>,
    /// Where each rule came from (a built-in file name or a user file path).
    pub sources: Vec<String>,
    pub(crate) matchers: Vec<CompiledMatcher>,
    /// Leftmost-first automaton for the fast scan of whole files.
    pub(crate) scan: AhoCorasick,
    /// The same patterns, standard semantics, for finding every needle inside one record.
    pub(crate) all: AhoCorasick,
    /// Pattern id → matchers whose first fragment it is. Patterns past the rule needles are levels.
    pub(crate) pattern_matchers: Vec<Vec<u32>>,
}

impl std::fmt::Debug for Playbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Playbook").field("rules", &self.rules.len()).field("matchers", &self.matchers.len()).finish()
    }
}

impl Playbook {
    /// The built-in playbook alone.
    pub fn builtin() -> Result<Playbook, Vec<RuleError>> {
        Self::from_sources(
            builtin_sources().iter().map(|(n, t)| (format!("built-in:{n}"), t.to_string())),
            std::iter::empty(),
        )
    }

    /// Compiles built-in sources plus user sources. A user rule with a built-in rule's id replaces
    /// it (so a site can tune one rule); two rules with one id in the same set are an error.
    pub fn from_sources(
        builtin: impl IntoIterator<Item = (String, String)>,
        user: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Playbook, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut ordered: Vec<(String, Rule)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (set, sources) in [(0, builtin.into_iter().collect::<Vec<_>>()), (1, user.into_iter().collect())] {
            let mut seen_in_set: HashMap<String, String> = HashMap::new();
            for (name, text) in sources {
                let rules = match parse_rules(&name, &text) {
                    Ok(rules) => rules,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                for rule in rules {
                    errors.extend(validate(&name, &rule));
                    if let Some(first) = seen_in_set.insert(rule.id.clone(), name.clone()) {
                        errors.push(RuleError {
                            source_name: name.clone(),
                            line: None,
                            rule: Some(rule.id.clone()),
                            field: Some("id".into()),
                            message: format!("duplicate id (first defined in {first})"),
                        });
                        continue;
                    }
                    match index.get(&rule.id) {
                        Some(&i) if set == 1 => ordered[i] = (name.clone(), rule),
                        _ => {
                            index.insert(rule.id.clone(), ordered.len());
                            ordered.push((name.clone(), rule));
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (sources, rules): (Vec<_>, Vec<_>) = ordered.into_iter().unzip();
        Self::compile(rules, sources)
    }

    fn compile(rules: Vec<Rule>, sources: Vec<String>) -> Result<Playbook, Vec<RuleError>> {
        let mut matchers = Vec::new();
        let mut needles: Vec<String> = Vec::new();
        let mut needle_ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut pattern_matchers: Vec<Vec<u32>> = Vec::new();
        for (rule_idx, rule) in rules.iter().enumerate() {
            for m in &rule.matchers {
                let matcher_idx = matchers.len() as u32;
                let first = m.contains[0].clone();
                let pattern = *needle_ids.entry(first.clone()).or_insert_with(|| {
                    needles.push(first);
                    pattern_matchers.push(Vec::new());
                    needles.len() - 1
                });
                pattern_matchers[pattern].push(matcher_idx);
                // `validate` already proved these compile.
                matchers.push(CompiledMatcher {
                    rule: rule_idx as u32,
                    contains: m
                        .contains
                        .iter()
                        .map(|c| memchr::memmem::Finder::new(c.as_bytes()).into_owned())
                        .collect(),
                    regex: m.regex.as_deref().and_then(|r| regex::bytes::Regex::new(r).ok()),
                    levels: m.level.as_ref().map(|ls| ls.iter().filter_map(|l| Level::parse(l.as_bytes())).collect()),
                    logger: m.logger.as_deref().and_then(|r| regex::Regex::new(r).ok()),
                    file_kinds: m.file_kind.as_ref().map(|ks| ks.iter().filter_map(|k| FileKind::parse(k)).collect()),
                });
            }
        }
        for level in LEVEL_NEEDLES {
            if !needle_ids.contains_key(level) {
                needles.push(level.to_string());
                pattern_matchers.push(Vec::new());
            }
        }
        let build = |kind| AhoCorasick::builder().match_kind(kind).build(&needles);
        let to_err = |e: aho_corasick::BuildError| {
            vec![RuleError {
                source_name: "playbook".into(),
                line: None,
                rule: None,
                field: None,
                message: e.to_string(),
            }]
        };
        let scan = build(MatchKind::LeftmostFirst).map_err(to_err)?;
        let all = build(MatchKind::Standard).map_err(to_err)?;
        Ok(Playbook { rules, sources, matchers, scan, all, pattern_matchers })
    }

    /// The literal fragments the prefilter looks for, one per line: what `rg -F -f` would be given
    /// to find the same candidates (used by the benchmark).
    pub fn prefilter_literals(&self) -> Vec<String> {
        let mut out: Vec<String> =
            self.matchers.iter().map(|m| String::from_utf8_lossy(m.contains[0].needle()).into_owned()).collect();
        out.extend(LEVEL_NEEDLES.iter().map(|s| s.to_string()));
        out.sort();
        out.dedup();
        out
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub(crate) fn matchers_of_rule(&self, rule: u32) -> impl Iterator<Item = &CompiledMatcher> {
        self.matchers.iter().filter(move |m| m.rule == rule)
    }
}
