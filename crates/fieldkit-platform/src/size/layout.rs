//! `fieldkit size --check INVENTORY`: the planned or existing layout against the requirement.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Sizing;
use crate::model::{ComponentKind, Platform};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayoutCheck {
    pub what: &'static str,
    pub required: String,
    pub actual: String,
    pub ok: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Layout {
    pub brokers: Vec<String>,
    /// rack → brokers in it (`(none)` for brokers without `broker.rack`).
    pub racks: BTreeMap<String, Vec<String>>,
    pub controllers: Option<usize>,
    pub zookeeper: Option<usize>,
    pub checks: Vec<LayoutCheck>,
}

impl Layout {
    pub fn short(&self) -> bool {
        self.checks.iter().any(|c| !c.ok)
    }
}

/// Compares the brokers, racks and controllers of `p` with `s`.
pub fn compare(p: &Platform, s: &Sizing) -> Layout {
    let mut brokers: Vec<String> = p
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::KafkaBroker)
        .flat_map(|c| c.hosts.iter().cloned())
        .collect();
    if brokers.is_empty() {
        // A properties-only model: the broker nodes.
        brokers = p.nodes.iter().filter(|n| n.is_broker()).map(|n| n.name.clone()).collect();
    }
    brokers.sort();
    brokers.dedup();
    let mut racks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for b in &brokers {
        let rack = p.hosts.get(b).and_then(|h| h.rack.clone()).unwrap_or_else(|| "(none)".into());
        racks.entry(rack).or_default().push(b.clone());
    }
    let controllers = p.quorum.as_ref().map(|q| q.voters);
    let zookeeper = p.components.iter().find(|c| c.kind == ComponentKind::Zookeeper).map(|c| c.hosts.len());

    let mut checks = Vec::new();
    let n = brokers.len() as u32;
    checks.push(LayoutCheck {
        what: "brokers",
        required: s.brokers.to_string(),
        actual: n.to_string(),
        ok: n >= s.brokers,
        note: if n >= s.brokers {
            format!("{} spare", n - s.brokers)
        } else {
            format!("{} short; {} binds", s.brokers - n, s.binding)
        },
    });
    let rf = s.inputs.replication_factor;
    let named: Vec<(&String, usize)> =
        racks.iter().filter(|(r, _)| r.as_str() != "(none)").map(|(r, b)| (r, b.len())).collect();
    let wanted_racks = rf.min(s.inputs.racks.max(1));
    if n > 1 {
        let ok = named.len() as u32 >= wanted_racks && !racks.contains_key("(none)");
        checks.push(LayoutCheck {
            what: "rack spread",
            required: format!("≥ {wanted_racks} racks (min(RF, planned racks)), every broker with broker.rack"),
            actual: if named.is_empty() {
                "no broker.rack".into()
            } else {
                named.iter().map(|(r, c)| format!("{r}: {c}")).collect::<Vec<_>>().join(", ")
            },
            ok,
            note: if ok {
                "each partition's replicas can sit in different racks".into()
            } else {
                "set broker.rack on every broker so replicas spread over racks".into()
            },
        });
        if named.len() > 1 {
            let min = named.iter().map(|(_, c)| *c).min().unwrap_or(0);
            let max = named.iter().map(|(_, c)| *c).max().unwrap_or(0);
            checks.push(LayoutCheck {
                what: "rack balance",
                required: "brokers per rack differ by ≤ 1".into(),
                actual: format!("{min}–{max} per rack"),
                ok: max - min <= 1,
                note: "an unbalanced rack carries more replicas and more traffic than the others".into(),
            });
        }
    }
    match (controllers, zookeeper) {
        (Some(v), _) => checks.push(LayoutCheck {
            what: "KRaft controllers",
            required: s.controllers.to_string(),
            actual: v.to_string(),
            ok: v as u32 >= s.controllers && v % 2 == 1,
            note: s.controllers_reason.clone(),
        }),
        (None, Some(z)) => checks.push(LayoutCheck {
            what: "ZooKeeper ensemble",
            required: s.controllers.to_string(),
            actual: z.to_string(),
            ok: z as u32 >= s.controllers && z % 2 == 1,
            note: "ZooKeeper (7.x): the same 2N+1 rule as KRaft voters".into(),
        }),
        (None, None) => {}
    }
    Layout { brokers, racks, controllers, zookeeper, checks }
}
