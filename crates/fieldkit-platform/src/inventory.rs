//! cp-ansible inventories (Ansible's YAML inventory format), read the way `ansible-inventory` reads
//! them: top-level keys are groups (`all` is the root every other group hangs under), a group has
//! `vars`, `hosts` (host names as keys, null or a mapping of host vars) and `children` (groups,
//! defined inline and merged with groups of the same name elsewhere); host names may be ranges
//! (`kfk[01:03].example.com`, `node[a:c]`). Variables resolve like Ansible: `all.vars` < parent
//! groups < child groups (by depth, then name) < host vars.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("{file}:{line}: not a valid YAML inventory: {message}")]
    Yaml { file: String, line: usize, message: String },
    #[error("{file}:{line}: {path}: {message}")]
    Shape { file: String, line: usize, path: String, message: String },
}

/// One variable as a host sees it: its value and where it was set (an inventory path such as
/// `all.vars.ssl_enabled`, and its line when known).
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub value: Value,
    pub path: String,
    pub line: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct Group {
    /// Where the group was first defined (`kafka_connect.children.kafka_connect_deuce`).
    path: String,
    vars: BTreeMap<String, Var>,
    hosts: Vec<String>,
    children: Vec<String>,
}

/// A parsed inventory: groups, hosts and variables, nothing resolved against cp-ansible yet.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub file: String,
    groups: BTreeMap<String, Group>,
    host_order: Vec<String>,
    host_vars: BTreeMap<String, BTreeMap<String, Var>>,
    lines: BTreeMap<String, usize>,
    /// What Ansible would warn about and skip (a group that is not a mapping, an unknown key).
    pub warnings: Vec<String>,
}

impl Inventory {
    /// Parses `text`, naming `file` in errors and evidence.
    pub fn parse(file: &str, text: &str) -> Result<Inventory, InventoryError> {
        let root: Value = serde_yaml_ng::from_str(text).map_err(|e| InventoryError::Yaml {
            file: file.to_string(),
            line: e.location().map_or(1, |l| l.line()),
            message: e.to_string(),
        })?;
        let mut inv = Inventory {
            file: file.to_string(),
            groups: BTreeMap::new(),
            host_order: Vec::new(),
            host_vars: BTreeMap::new(),
            lines: yaml_key_lines(text),
            warnings: Vec::new(),
        };
        inv.groups.insert("all".into(), Group { path: "all".into(), ..Group::default() });
        match root {
            Value::Null => {}
            Value::Mapping(map) => {
                for (key, value) in &map {
                    let name = inv.key_name(key, "")?;
                    inv.parse_group(&name, value, name.clone())?;
                }
            }
            _ => {
                return Err(InventoryError::Shape {
                    file: file.to_string(),
                    line: 1,
                    path: "(top level)".into(),
                    message: "an inventory must be a mapping of group names to groups".into(),
                });
            }
        }
        // Every group that is nobody's child hangs under `all`, as in Ansible.
        let children: BTreeSet<String> = inv.groups.values().flat_map(|g| g.children.iter().cloned()).collect();
        let orphans: Vec<String> =
            inv.groups.keys().filter(|g| *g != "all" && !children.contains(*g)).cloned().collect();
        let all = inv.groups.get_mut("all").expect("all exists");
        for g in orphans {
            if !all.children.contains(&g) {
                all.children.push(g);
            }
        }
        Ok(inv)
    }

    fn key_name(&self, key: &Value, path: &str) -> Result<String, InventoryError> {
        match key {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(self.shape(path, "keys must be names (strings)")),
        }
    }

    fn shape(&self, path: &str, message: &str) -> InventoryError {
        InventoryError::Shape {
            file: self.file.clone(),
            line: self.line_of(path).unwrap_or(1),
            path: path.to_string(),
            message: message.to_string(),
        }
    }

    fn parse_group(&mut self, name: &str, value: &Value, path: String) -> Result<(), InventoryError> {
        let map = match value {
            Value::Null => {
                self.groups.entry(name.to_string()).or_insert_with(|| Group { path, ..Group::default() });
                return Ok(());
            }
            Value::Mapping(map) => map,
            _ => {
                self.warnings.push(format!("{path}: skipped: not a valid group definition (not a mapping)"));
                return Ok(());
            }
        };
        self.groups.entry(name.to_string()).or_insert_with(|| Group { path: path.clone(), ..Group::default() });
        for (key, section) in map {
            let key = self.key_name(key, &path)?;
            let section_path = format!("{path}.{key}");
            // Ansible accepts a bare string as a one-entry section.
            let owned;
            let section = match section {
                Value::String(s) if matches!(key.as_str(), "vars" | "hosts" | "children") => {
                    let mut m = serde_yaml_ng::Mapping::new();
                    m.insert(Value::String(s.clone()), Value::Null);
                    owned = Value::Mapping(m);
                    &owned
                }
                other => other,
            };
            let entries = match section {
                Value::Null => continue,
                Value::Mapping(m) => m,
                _ if matches!(key.as_str(), "vars" | "hosts" | "children") => {
                    return Err(self.shape(&section_path, &format!("`{key}` must be a mapping")));
                }
                _ => {
                    self.warnings.push(format!("{section_path}: skipped: not a mapping"));
                    continue;
                }
            };
            match key.as_str() {
                "vars" => {
                    for (var, val) in entries {
                        let var = self.key_name(var, &section_path)?;
                        let var_path = format!("{section_path}.{var}");
                        let line = self.line_of(&var_path);
                        let group = self.groups.get_mut(name).expect("inserted above");
                        group.vars.insert(var, Var { value: val.clone(), path: var_path, line });
                    }
                }
                "children" => {
                    for (child, child_value) in entries {
                        let child = self.key_name(child, &section_path)?;
                        self.parse_group(&child, child_value, format!("{section_path}.{child}"))?;
                        if !self.groups.contains_key(&child) {
                            continue; // skipped (not a mapping)
                        }
                        let group = self.groups.get_mut(name).expect("inserted above");
                        if !group.children.contains(&child) {
                            group.children.push(child);
                        }
                    }
                }
                "hosts" => {
                    for (pattern, host_value) in entries {
                        let pattern = self.key_name(pattern, &section_path)?;
                        let pattern_path = format!("{section_path}.{pattern}");
                        let hosts = expand_host_pattern(&pattern).map_err(|m| self.shape(&pattern_path, &m))?;
                        let vars = match host_value {
                            Value::Null => None,
                            Value::Mapping(m) => Some(m),
                            _ => return Err(self.shape(&pattern_path, "host variables must be a mapping")),
                        };
                        for host in hosts {
                            if !self.host_vars.contains_key(&host) {
                                self.host_order.push(host.clone());
                                self.host_vars.insert(host.clone(), BTreeMap::new());
                            }
                            let group = self.groups.get_mut(name).expect("inserted above");
                            if !group.hosts.contains(&host) {
                                group.hosts.push(host.clone());
                            }
                            for (var, val) in vars.into_iter().flatten() {
                                let var = self.key_name(var, &pattern_path)?;
                                let var_path = format!("{pattern_path}.{var}");
                                let line = self.line_of(&var_path);
                                self.host_vars
                                    .get_mut(&host)
                                    .expect("inserted above")
                                    .insert(var, Var { value: val.clone(), path: var_path, line });
                            }
                        }
                    }
                }
                _ => self
                    .warnings
                    .push(format!("{section_path}: skipped: only `vars`, `children` and `hosts` are valid")),
            }
        }
        Ok(())
    }

    /// The line of a key given by its inventory path (`all.vars.ssl_enabled`), when found.
    pub fn line_of(&self, path: &str) -> Option<usize> {
        self.lines.get(path).copied()
    }

    /// Every host, in the order the inventory first names them.
    pub fn hosts(&self) -> &[String] {
        &self.host_order
    }

    /// Every group name, `all` included, sorted.
    pub fn group_names(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    pub fn has_group(&self, group: &str) -> bool {
        self.groups.contains_key(group)
    }

    /// The direct child groups of `group`.
    pub fn children(&self, group: &str) -> &[String] {
        self.groups.get(group).map_or(&[], |g| &g.children)
    }

    /// Where `group` was first defined, as an inventory path.
    pub fn group_path(&self, group: &str) -> Option<&str> {
        self.groups.get(group).map(|g| g.path.as_str())
    }

    /// The hosts of `group` and of all its descendants, in inventory order.
    pub fn group_hosts(&self, group: &str) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![group.to_string()];
        let mut members = BTreeSet::new();
        while let Some(g) = stack.pop() {
            if !seen.insert(g.clone()) {
                continue;
            }
            if let Some(def) = self.groups.get(&g) {
                members.extend(def.hosts.iter().cloned());
                stack.extend(def.children.iter().cloned());
            }
        }
        self.host_order.iter().filter(|h| members.contains(*h)).cloned().collect()
    }

    /// Parents of each group (the inverse of `children`).
    fn parents(&self) -> BTreeMap<&str, Vec<&str>> {
        let mut parents: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, g) in &self.groups {
            for child in &g.children {
                parents.entry(child.as_str()).or_default().push(name.as_str());
            }
        }
        parents
    }

    /// Every group `host` belongs to, parents included, `all` and `ungrouped` left out, sorted:
    /// Ansible's `group_names`.
    pub fn groups_of(&self, host: &str) -> Vec<String> {
        let parents = self.parents();
        let mut out = BTreeSet::new();
        let mut stack: Vec<&str> =
            self.groups.iter().filter(|(_, g)| g.hosts.iter().any(|h| h == host)).map(|(n, _)| n.as_str()).collect();
        while let Some(g) = stack.pop() {
            if out.insert(g.to_string()) {
                stack.extend(parents.get(g).into_iter().flatten().copied());
            }
        }
        out.remove("all");
        out.remove("ungrouped");
        out.into_iter().collect()
    }

    /// The depth of every group below `all` (the longest path), as Ansible orders group vars.
    fn depths(&self) -> BTreeMap<&str, usize> {
        let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
        let mut stack: Vec<(&str, usize)> = vec![("all", 0)];
        // The longest path; a cycle is cut by the bound on depth.
        while let Some((g, d)) = stack.pop() {
            if d > self.groups.len() || depth.get(g).is_some_and(|&old| old >= d) && g != "all" {
                continue;
            }
            depth.insert(g, d);
            for child in self.children(g) {
                stack.push((child.as_str(), d + 1));
            }
        }
        depth
    }

    /// The variables `host` sees, with where each was set.
    pub fn host_vars(&self, host: &str) -> BTreeMap<String, Var> {
        let depths = self.depths();
        let mut groups: Vec<String> = self.groups_of(host);
        groups.push("all".into());
        groups.sort_by_key(|g| (depths.get(g.as_str()).copied().unwrap_or(0), g.clone()));
        let mut vars = BTreeMap::new();
        for g in &groups {
            if let Some(def) = self.groups.get(g) {
                vars.extend(def.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
        }
        if let Some(own) = self.host_vars.get(host) {
            vars.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        vars
    }
}

/// Expands Ansible host ranges: `web[01:03].x` → web01.x, web02.x, web03.x; `[a:c]`; `[0:10:5]`.
/// A trailing `:port` is dropped (Ansible keeps it as `ansible_port`).
pub fn expand_host_pattern(pattern: &str) -> Result<Vec<String>, String> {
    let pattern = strip_port(pattern);
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let Some(close_rel) = pattern[open..].find(']') else {
        return Ok(vec![pattern.to_string()]);
    };
    let close = open + close_rel;
    let (head, range, tail) = (&pattern[..open], &pattern[open + 1..close], &pattern[close + 1..]);
    let parts: Vec<&str> = range.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return Ok(vec![pattern.to_string()]); // not a range (an IPv6 address, a literal bracket)
    }
    let (beg, end) = (if parts[0].is_empty() { "0" } else { parts[0] }, parts[1]);
    if end.is_empty() {
        return Err(format!("host range `{pattern}` has no end"));
    }
    let step: usize = match parts.get(2) {
        Some(s) => s.parse().map_err(|_| format!("host range `{pattern}`: step `{s}` is not a number"))?,
        None => 1,
    };
    if step == 0 {
        return Err(format!("host range `{pattern}`: step is 0"));
    }
    let items: Vec<String> = if let (Ok(b), Ok(e)) = (beg.parse::<u64>(), end.parse::<u64>()) {
        if b > e {
            return Err(format!("host range `{pattern}`: begin is greater than end"));
        }
        let width = if beg.len() > 1 && beg.starts_with('0') {
            if beg.len() != end.len() {
                return Err(format!("host range `{pattern}` must have begin and end of equal length"));
            }
            beg.len()
        } else {
            0
        };
        if (e - b) / step as u64 > 100_000 {
            return Err(format!("host range `{pattern}` is too large"));
        }
        (b..=e).step_by(step).map(|n| format!("{n:0width$}")).collect()
    } else {
        const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        match (LETTERS.find(beg).filter(|_| beg.len() == 1), LETTERS.find(end).filter(|_| end.len() == 1)) {
            (Some(b), Some(e)) if b <= e => LETTERS[b..=e].chars().step_by(step).map(String::from).collect(),
            _ => return Err(format!("host range `{pattern}` is neither numeric nor alphabetic")),
        }
    };
    let mut out = Vec::new();
    for item in items {
        // Later ranges in the tail expand recursively.
        for rest in expand_host_pattern(tail)? {
            out.push(format!("{head}{item}{rest}"));
        }
    }
    Ok(out)
}

fn strip_port(pattern: &str) -> &str {
    // `host:22` but not `[01:03]` nor an IPv6 address.
    if let Some(colon) = pattern.rfind(':') {
        let after = &pattern[colon + 1..];
        let before = &pattern[..colon];
        let in_brackets = before.matches('[').count() > before.matches(']').count();
        if !in_brackets && !after.is_empty() && after.bytes().all(|b| b.is_ascii_digit()) && !before.contains(':') {
            return before;
        }
    }
    pattern
}

/// The first line of every block-mapping key, by dotted path (`all.vars.ssl_enabled` → 4). A
/// light scan for evidence only: flow mappings and keys inside list items are not indexed.
fn yaml_key_lines(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("---") || trimmed.starts_with("...") {
            continue;
        }
        let indent = line.len() - trimmed.len();
        while stack.last().is_some_and(|(ind, _)| *ind >= indent) {
            stack.pop();
        }
        if trimmed.starts_with('-') {
            // A list item: its keys are not indexed, but it closes deeper keys.
            stack.push((indent, "-".into()));
            continue;
        }
        let Some(key) = mapping_key(trimmed) else { continue };
        stack.push((indent, key));
        if stack.iter().any(|(_, k)| k == "-") {
            continue;
        }
        let path = stack.iter().map(|(_, k)| k.as_str()).collect::<Vec<_>>().join(".");
        out.entry(path).or_insert(i + 1);
    }
    out
}

fn mapping_key(t: &str) -> Option<String> {
    for quote in ['"', '\''] {
        if let Some(rest) = t.strip_prefix(quote) {
            let end = rest.find(quote)?;
            return rest[end + 1..].trim_start().starts_with(':').then(|| rest[..end].to_string());
        }
    }
    let bytes = t.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b':' && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t') {
            let key = t[..i].trim_end();
            return (!key.is_empty() && !key.starts_with(['{', '[', '"', '\''])).then(|| key.to_string());
        }
        if b == b'#' && i > 0 && bytes[i - 1] == b' ' {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_expand_like_ansible() {
        assert_eq!(expand_host_pattern("kfk[01:03].x").unwrap(), ["kfk01.x", "kfk02.x", "kfk03.x"]);
        assert_eq!(expand_host_pattern("n[a:c]").unwrap(), ["na", "nb", "nc"]);
        assert_eq!(expand_host_pattern("n[0:10:5]").unwrap(), ["n0", "n5", "n10"]);
        assert_eq!(expand_host_pattern("r[1:2]-[a:b]").unwrap(), ["r1-a", "r1-b", "r2-a", "r2-b"]);
        assert_eq!(expand_host_pattern("host:22").unwrap(), ["host"]);
        assert!(expand_host_pattern("n[3:1]").is_err());
    }

    #[test]
    fn groups_include_parents_and_vars_follow_precedence() {
        let text = "all:\n  vars:\n    a: 1\n    b: 1\nkafka_connect:\n  vars:\n    b: 2\n    c: 2\n  children:\n    c1:\n      vars:\n        c: 3\n      hosts:\n        h1:\n          d: 4\n";
        let inv = Inventory::parse("inv.yml", text).unwrap();
        assert_eq!(inv.groups_of("h1"), ["c1", "kafka_connect"]);
        let vars = inv.host_vars("h1");
        let get = |k: &str| vars[k].value.as_i64().unwrap();
        assert_eq!((get("a"), get("b"), get("c"), get("d")), (1, 2, 3, 4));
        assert_eq!(vars["c"].path, "kafka_connect.children.c1.vars.c");
        assert_eq!(vars["c"].line, Some(12));
        assert_eq!(vars["a"].line, Some(3));
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = Inventory::parse("bad.yml", "all:\n  hosts: [a, b]\n").unwrap_err().to_string();
        assert!(err.starts_with("bad.yml:2: all.hosts"), "{err}");
        let err = Inventory::parse("bad.yml", "all:\n  vars:\n   x: [\n").unwrap_err().to_string();
        assert!(err.starts_with("bad.yml:"), "{err}");
    }
}
