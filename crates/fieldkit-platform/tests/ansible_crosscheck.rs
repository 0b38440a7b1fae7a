//! For every inventory in ../shared/data/cp-ansible, the host → groups membership fieldkit reads
//! equals what `ansible-inventory -i FILE --list` reports (groups with parents, `all` and
//! `ungrouped` left out on both sides). Skipped when ansible-inventory is missing, unless
//! FIELDKIT_REQUIRE_ANSIBLE=1 (scripts/test sets it), where a missing tool fails the test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use fieldkit_platform::Inventory;
use serde_json::Value;

type Membership = BTreeMap<String, BTreeSet<String>>;

/// Host → every group holding it directly or through a child group, from `--list` output.
fn ansible_membership(list: &Value) -> Membership {
    let groups: BTreeMap<&str, &Value> =
        list.as_object().unwrap().iter().filter(|(k, _)| *k != "_meta").map(|(k, v)| (k.as_str(), v)).collect();
    let names = |v: &Value, key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map_or_else(Vec::new, |a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
    };
    let mut out = Membership::new();
    for host in list["_meta"]["hostvars"].as_object().unwrap().keys() {
        out.insert(host.clone(), BTreeSet::new());
    }
    for &group in groups.keys() {
        // Every host reachable from `group` through children.
        let mut stack = vec![group.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            let Some(def) = groups.get(g.as_str()) else { continue };
            for h in names(def, "hosts") {
                out.entry(h).or_default().insert(group.to_string());
            }
            stack.extend(names(def, "children"));
        }
    }
    for groups in out.values_mut() {
        groups.remove("all");
        groups.remove("ungrouped");
    }
    out
}

fn fieldkit_membership(path: &Path) -> Membership {
    let text = std::fs::read_to_string(path).unwrap();
    let inv = Inventory::parse(&path.display().to_string(), &text).unwrap();
    inv.hosts().iter().map(|h| (h.clone(), inv.groups_of(h).into_iter().collect())).collect()
}

#[test]
fn host_groups_match_ansible_inventory() {
    let required = std::env::var("FIELDKIT_REQUIRE_ANSIBLE").is_ok_and(|v| v == "1");
    if Command::new("ansible-inventory").arg("--version").output().is_err() {
        assert!(
            !required,
            "FIELDKIT_REQUIRE_ANSIBLE=1 but ansible-inventory is missing (Debian package ansible-core; scripts/install-test-deps installs it)"
        );
        eprintln!("SKIPPED: ansible-inventory is not installed (apt-get install ansible-core)");
        return;
    }
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "expected the cp-ansible inventories in {}", dir.display());
    for file in &files {
        let out = Command::new("ansible-inventory")
            .arg("-i")
            .arg(file)
            .arg("--list")
            .env("ANSIBLE_INVENTORY_UNPARSED_FAILED", "true")
            .env("ANSIBLE_INVENTORY_ENABLED", "yaml")
            .env("ANSIBLE_LOCAL_TEMP", std::env::temp_dir())
            .env("ANSIBLE_HOME", std::env::temp_dir().join("fieldkit-ansible-home"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: ansible-inventory failed: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = ansible_membership(&list);
        let got = fieldkit_membership(file);
        assert!(!expected.is_empty(), "{}: ansible saw no hosts", file.display());
        assert_eq!(got, expected, "{}: host → groups differ from ansible-inventory", file.display());
    }
}
