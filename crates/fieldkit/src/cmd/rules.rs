//! `fieldkit rules list | show | lint`.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use fieldkit_diagnose::{Playbook, Rule};

use crate::cli::{ListFormat, RulesArgs, RulesCommand};
use crate::cmd::write_output;
use crate::exit;
use crate::input::{load_playbook, read_rule_dirs};

pub fn run(args: RulesArgs) -> Result<u8> {
    match args.command {
        RulesCommand::List { category, rules, format } => {
            let playbook = load_playbook(&rules)?;
            let selected: Vec<&Rule> = playbook
                .rules
                .iter()
                .filter(|r| category.as_deref().is_none_or(|c| r.category.as_str() == c))
                .collect();
            if let Some(c) = &category
                && selected.is_empty()
            {
                bail!("no rule has category {c:?}");
            }
            let out = match format {
                ListFormat::Json => serde_json::to_string_pretty(&selected)? + "\n",
                ListFormat::Text => {
                    let mut s = String::new();
                    for r in &selected {
                        let _ = writeln!(
                            s,
                            "{:<34} {:<8} {:<15} {}",
                            r.id,
                            r.severity.as_str(),
                            r.category.as_str(),
                            r.title
                        );
                    }
                    let _ = writeln!(s, "{} rule(s)", selected.len());
                    s
                }
            };
            write_output(None, out.as_bytes())?;
            Ok(exit::OK)
        }
        RulesCommand::Show { id, rules, format } => {
            let playbook = load_playbook(&rules)?;
            let Some(rule) = playbook.rule(&id) else {
                bail!("no rule with id {id:?} (see `fieldkit rules list`)");
            };
            let out = match format {
                ListFormat::Json => serde_json::to_string_pretty(rule)? + "\n",
                ListFormat::Text => show_text(rule),
            };
            write_output(None, out.as_bytes())?;
            Ok(exit::OK)
        }
        RulesCommand::Literals { rules } => {
            let playbook = load_playbook(&rules)?;
            let mut out = playbook.prefilter_literals().join("\n");
            out.push('\n');
            write_output(None, out.as_bytes())?;
            Ok(exit::OK)
        }
        RulesCommand::Lint { dir } => {
            let (playbook, what) = match &dir {
                Some(d) => {
                    let sources = read_rule_dirs(std::slice::from_ref(d))?;
                    (Playbook::from_sources(sources, std::iter::empty()), d.display().to_string())
                }
                None => (Playbook::builtin(), "built-in playbook".to_string()),
            };
            let errors = match playbook {
                Ok(pb) => {
                    let errors = pb.check_examples();
                    if errors.is_empty() {
                        let examples: usize =
                            pb.rules.iter().map(|r| r.examples.len() + r.counter_examples.len()).sum();
                        println!("{what}: {} rule(s) OK, {examples} example(s) checked", pb.rules.len());
                        return Ok(exit::OK);
                    }
                    errors
                }
                Err(errors) => errors,
            };
            for e in &errors {
                println!("{e}");
            }
            println!("{what}: {} problem(s)", errors.len());
            Ok(exit::FINDINGS)
        }
    }
}

fn show_text(r: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}  {}\n", r.id, r.title);
    let _ = writeln!(s, "severity   {}\ncategory   {}\ncomponent  {}", r.severity, r.category.as_str(), r.component);
    if let Some(v) = &r.versions {
        let _ = writeln!(s, "versions   {v}");
    }
    if let Some(c) = &r.correlate {
        let _ = writeln!(s, "correlate  {} ({:?})", c.group, c.role);
    }
    let _ = writeln!(s, "\nMatches when any of:");
    for m in &r.matchers {
        let mut parts = vec![format!("contains {:?}", m.contains)];
        if let Some(re) = &m.regex {
            parts.push(format!("regex /{re}/"));
        }
        if let Some(l) = &m.level {
            parts.push(format!("level {}", l.join("|")));
        }
        if let Some(l) = &m.logger {
            parts.push(format!("logger /{l}/"));
        }
        if let Some(k) = &m.file_kind {
            parts.push(format!("in {}", k.join("|")));
        }
        let _ = writeln!(s, "  - {}", parts.join(", "));
    }
    let _ = writeln!(s, "\nDiagnosis\n  {}", r.diagnosis.trim().replace('\n', "\n  "));
    let _ = writeln!(s, "\nRemediation");
    for (i, step) in r.remediation.iter().enumerate() {
        let _ = writeln!(s, "  {}. {step}", i + 1);
    }
    if !r.references.is_empty() {
        let _ = writeln!(s, "\nReferences");
        for reference in &r.references {
            let _ = writeln!(s, "  - {reference}");
        }
    }
    let _ = writeln!(s, "\nExample");
    if let Some(example) = r.examples.first() {
        for line in example.lines() {
            let _ = writeln!(s, "  {line}");
        }
    }
    s
}
