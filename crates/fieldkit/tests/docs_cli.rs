//! `fieldkit docs` end to end: formats, output file, template overrides, exit codes.

use assert_cmd::Command;

fn fieldkit() -> Command {
    Command::cargo_bin("fieldkit").unwrap()
}

fn repo(path: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../").to_string() + path
}

fn shared(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible/").to_string() + name
}

#[test]
fn writes_each_document_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["security", "readiness", "faq"] {
        for format in ["markdown", "html"] {
            let out = dir.path().join(format!("{kind}.{format}"));
            let o = fieldkit()
                .args(["docs", kind, &shared("sasl_ssl_kraft.yml"), "--engagement", &repo("examples/engagement.yaml")])
                .args(["--format", format, "-o", out.to_str().unwrap()])
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
            let text = std::fs::read_to_string(&out).unwrap();
            assert!(text.contains("Example Logistics GmbH"), "{kind} {format}");
        }
    }
}

#[test]
fn templates_dir_overrides_a_built_in_template() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("faq.md.j2"), "MY FAQ for {{ sources | length }} source(s)\n").unwrap();
    let o = fieldkit()
        .args(["docs", "faq", &shared("single_dev_node.yml"), "--templates", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), "MY FAQ for 1 source(s)\n");
    // The other documents keep the built-in templates.
    let o = fieldkit()
        .args(["docs", "security", &shared("single_dev_node.yml"), "--templates", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8(o.stdout).unwrap().starts_with("# Security overview"));
}

#[test]
fn bad_input_exits_2_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let eng = dir.path().join("eng.yaml");
    std::fs::write(&eng, "accepted_deviations:\n  - finding: nope\n    reason: r\n    accepted_by: a\n").unwrap();
    let broken = dir.path().join("broken");
    std::fs::create_dir(&broken).unwrap();
    std::fs::write(broken.join("security.md.j2"), "{% if %}").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![shared("mtls_kraft.yml"), "--engagement".into(), eng.display().to_string()],
            "accepted_deviations[0].finding",
        ),
        (vec![shared("mtls_kraft.yml"), "--engagement".into(), "/nonexistent/e.yaml".into()], "/nonexistent/e.yaml"),
        (vec!["/nonexistent/hosts.yml".into()], "/nonexistent/hosts.yml"),
        (vec![shared("mtls_kraft.yml"), "--templates".into(), broken.display().to_string()], "security.md.j2"),
    ];
    for (args, needle) in cases {
        let o = fieldkit().args(["docs", "security"]).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    let o = fieldkit().args(["docs", "nonsense", &shared("mtls_kraft.yml")]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}
