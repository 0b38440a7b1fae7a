//! The built-in playbook: it loads, it is big enough to be useful, and every rule's examples fire it
//! (and its counter-examples do not) through the real scanner.

use std::collections::BTreeSet;

use fieldkit_diagnose::Playbook;

#[test]
fn builtin_playbook_loads_and_every_example_fires_its_rule() {
    let playbook = Playbook::builtin().unwrap_or_else(|errors| {
        panic!(
            "built-in playbook does not load:\n{}",
            errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
        )
    });
    assert!(playbook.rules.len() >= 80, "the playbook has only {} rules", playbook.rules.len());
    let failures = playbook.check_examples();
    assert!(failures.is_empty(), "{}", failures.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"));
}

#[test]
fn correlation_groups_have_a_cause_and_prefilter_needles_are_distinctive() {
    let playbook = Playbook::builtin().expect("loads");
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    let mut with_cause: BTreeSet<&str> = BTreeSet::new();
    for rule in &playbook.rules {
        if let Some(c) = &rule.correlate {
            groups.insert(&c.group);
            if c.role == fieldkit_diagnose::rule::Role::Cause {
                with_cause.insert(&c.group);
            }
        }
    }
    assert!(groups.contains("tls-handshake"), "the TLS story needs its correlation group");
    assert_eq!(groups, with_cause, "every correlation group names at least one cause");
    for literal in playbook.prefilter_literals() {
        assert!(
            !["Exception", "error", "Error", "failed", "WARN", "INFO"].contains(&literal.as_str()),
            "{literal:?} is too common to prefilter on"
        );
    }
}
