//! `fieldkit size --check`: a layout (inventory) against a sizing.

use std::path::Path;

use fieldkit_platform::Platform;
use fieldkit_platform::size::{Workload, layout, size};

const RACKED: &str = "\
kafka_controller:
  hosts:
    c1:
    c2:
    c3:
kafka_broker:
  hosts:
    b1:
      kafka_broker_custom_properties:
        broker.rack: az-a
    b2:
      kafka_broker_custom_properties:
        broker.rack: az-b
    b3:
      kafka_broker_custom_properties:
        broker.rack: az-c
";

fn platform(text: &str) -> Platform {
    Platform::load(Some(("hosts.yml", text)), &[]).unwrap()
}

#[test]
fn enough_brokers_spread_over_racks() {
    let p = platform(RACKED);
    let s = size(&Workload { produce_mb_s: Some(50.0), ..Workload::default() }).unwrap();
    assert_eq!(s.brokers, 3);
    let l = layout::compare(&p, &s);
    assert_eq!(l.brokers, ["b1", "b2", "b3"]);
    assert_eq!(l.racks.len(), 3);
    assert!(!l.short(), "{:#?}", l.checks);
    assert!(l.checks.iter().any(|c| c.what == "KRaft controllers" && c.ok));
}

#[test]
fn short_of_brokers_names_the_binding_resource() {
    let p = platform(RACKED);
    let s = size(&Workload { produce_mb_s: Some(600.0), consumer_groups: 4, ..Workload::default() }).unwrap();
    assert!(s.brokers > 3);
    let l = layout::compare(&p, &s);
    assert!(l.short());
    let b = l.checks.iter().find(|c| c.what == "brokers").unwrap();
    assert!(!b.ok && b.note.contains(s.binding), "{b:?}");
}

#[test]
fn missing_racks_are_short() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible"));
    let text = std::fs::read_to_string(dir.join("hosts_example.master.yml")).unwrap();
    let p = platform(&text);
    let s = size(&Workload { produce_mb_s: Some(10.0), ..Workload::default() }).unwrap();
    let l = layout::compare(&p, &s);
    let rack = l.checks.iter().find(|c| c.what == "rack spread").unwrap();
    assert!(!rack.ok && rack.actual == "no broker.rack", "{rack:?}");
    assert!(l.short());
}
