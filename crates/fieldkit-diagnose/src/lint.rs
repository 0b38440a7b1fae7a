//! `fieldkit rules lint`: beyond parsing and validation, every rule's examples must fire it and its
//! counter-examples must not — checked through the real scanning path, prefilter included.

use fieldkit_logs::FileKind;

use crate::playbook::Playbook;
use crate::rule::RuleError;
use crate::scan::ScanOptions;

impl Playbook {
    /// Which rules match `text` when read as a file of `kind` (all of them, correlation aside).
    pub fn rules_firing(&self, text: &str, kind: FileKind) -> Vec<&str> {
        let scan = self.scan(text.as_bytes(), kind, &ScanOptions { every_rule: true, ..ScanOptions::default() });
        scan.rules.keys().map(|r| self.rules[*r as usize].id.as_str()).collect()
    }

    /// The file kinds a rule's examples are tried as: the kinds its matchers ask for, or any.
    fn example_kinds(&self, rule: u32) -> Vec<FileKind> {
        let mut kinds: Vec<FileKind> =
            self.matchers_of_rule(rule).flat_map(|m| m.file_kinds.clone().unwrap_or_default()).collect();
        if self.matchers_of_rule(rule).any(|m| m.file_kinds.is_none()) {
            kinds.push(FileKind::Other);
        }
        kinds.sort();
        kinds.dedup();
        kinds
    }

    /// Checks every rule's examples and counter-examples. Returns the failures.
    pub fn check_examples(&self) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for (idx, rule) in self.rules.iter().enumerate() {
            let kinds = self.example_kinds(idx as u32);
            let err = |field: String, message: String| RuleError {
                source_name: self.sources[idx].clone(),
                line: None,
                rule: Some(rule.id.clone()),
                field: Some(field),
                message,
            };
            for (i, example) in rule.examples.iter().enumerate() {
                let fires = kinds.iter().any(|k| self.rules_firing(example, *k).contains(&rule.id.as_str()));
                if !fires {
                    errors.push(err(
                        format!("examples[{i}]"),
                        format!("does not fire the rule: {}", first_line(example)),
                    ));
                }
            }
            for (i, counter) in rule.counter_examples.iter().enumerate() {
                let all_kinds = FileKind::ALL;
                if all_kinds.iter().any(|k| self.rules_firing(counter, *k).contains(&rule.id.as_str())) {
                    errors.push(err(
                        format!("counter_examples[{i}]"),
                        format!("fires the rule: {}", first_line(counter)),
                    ));
                }
            }
        }
        errors
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    line.chars().take(120).collect()
}
