//! The binary end to end: every command on real sample bundles, as a user or a CI job runs it.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{run, stderr, stdout};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn tls_outage() -> PathBuf {
    repo().join("examples/bundles/tls-outage")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn triage_json(path: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["triage", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code().unwrap(), json(&out))
}

fn finding_ids(report: &Value) -> Vec<String> {
    report["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
}

fn tar_gz(dir: &Path, out: &Path) {
    let file = fs::File::create(out).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()));
    builder.append_dir_all("tls-outage", dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

fn zip_dir(dir: &Path, out: &Path) {
    let mut zip = zip::ZipWriter::new(fs::File::create(out).unwrap());
    for entry in walk(dir) {
        let rel = entry.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
        zip.start_file(rel, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&fs::read(&entry).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn help_teaches_and_version_prints() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    for word in ["triage", "patterns", "redact", "rules", "completions", "Exit codes"] {
        assert!(stdout(&out).contains(word), "--help mentions {word}");
    }
    for sub in ["triage", "patterns", "redact", "rules", "completions"] {
        let out = run(&[sub, "--help"]);
        assert!(out.status.success(), "{sub} --help");
    }
    assert!(stdout(&run(&["triage", "--help"])).contains("Examples:"));
    assert!(stdout(&run(&["--version"])).starts_with("fieldkit "));
    let bash = run(&["completions", "bash"]);
    assert!(bash.status.success() && stdout(&bash).contains("_fieldkit"));
}

#[test]
fn triage_finds_the_tls_outage_story() {
    let (code, report) = triage_json(&tls_outage(), &[]);
    assert_eq!(code, 1, "findings at warning or above exit 1");
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for f in findings {
        for key in [
            "id",
            "title",
            "severity",
            "category",
            "component",
            "count",
            "first_seen",
            "last_seen",
            "evidence",
            "remediation",
        ] {
            assert!(f.get(key).is_some(), "finding has {key}: {f}");
        }
        for e in f["evidence"].as_array().unwrap() {
            assert!(e["file"].is_string() && e["line"].as_u64().unwrap() >= 1 && e["text"].is_string());
        }
    }
    // The TLS SAN story is ONE finding whose evidence spans the client and the broker.
    let tls: Vec<&Value> = findings.iter().filter(|f| f["category"] == "tls").collect();
    assert_eq!(tls.len(), 1, "one TLS finding, not one per message: {:?}", finding_ids(&report));
    let tls = tls[0];
    let files: Vec<&str> = tls["evidence"].as_array().unwrap().iter().map(|e| e["file"].as_str().unwrap()).collect();
    assert!(files.iter().any(|f| f.starts_with("clients/")), "client evidence: {files:?}");
    assert!(files.iter().any(|f| f.starts_with("broker-1/")), "broker evidence: {files:?}");
    let texts: String = tls["evidence"].as_array().unwrap().iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert!(texts.contains("No subject alternative"), "the cause is in the evidence");
    // The disk story is found and ranked as critical.
    let severities: Vec<&str> = findings.iter().map(|f| f["severity"].as_str().unwrap()).collect();
    assert_eq!(severities[0], "critical", "{severities:?}");
    assert!(findings.iter().any(|f| f["category"] == "disk"));
    // Every file is accounted for.
    assert!(report["files"].as_array().unwrap().len() >= 10);
    assert!(report["stats"]["lines"].as_u64().unwrap() > 1000);
}

#[test]
fn archives_triage_like_the_directory() {
    let (_, from_dir) = triage_json(&tls_outage(), &[]);
    let work = tempfile::tempdir().unwrap();
    let tgz = work.path().join("bundle.tar.gz");
    tar_gz(&tls_outage(), &tgz);
    let zip = work.path().join("bundle.zip");
    zip_dir(&tls_outage(), &zip);
    let summary = |r: &Value| -> Vec<(String, u64)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].as_str().unwrap().into(), f["count"].as_u64().unwrap()))
            .collect()
    };
    for archive in [&tgz, &zip] {
        let (code, report) = triage_json(archive, &[]);
        assert_eq!(code, 1);
        assert_eq!(summary(&report), summary(&from_dir), "{}", archive.display());
    }
}

#[test]
fn healthy_logs_raise_nothing_at_warning_or_above() {
    let healthy = repo().join("tests/data/healthy");
    let (code, report) = triage_json(&healthy, &["--min-severity", "warning"]);
    assert_eq!(finding_ids(&report), Vec::<String>::new(), "false positives on healthy logs");
    assert_eq!(code, 0);
    assert_eq!(report["unexplained"].as_array().unwrap().len(), 0, "healthy logs have no unexplained errors");
}

#[test]
fn zookeeper_bundle_findings() {
    let (code, report) = triage_json(&repo().join("tests/data/bundles/zk-cluster"), &[]);
    assert_eq!(code, 1);
    let categories: Vec<&str> =
        report["findings"].as_array().unwrap().iter().map(|f| f["category"].as_str().unwrap()).collect();
    for want in ["zookeeper", "os-limits", "message-size", "authentication", "authorization"] {
        assert!(categories.contains(&want), "{want} missing from {categories:?}");
    }
}

#[test]
fn severity_and_time_filters() {
    let (_, all) = triage_json(&tls_outage(), &[]);
    let (_, critical) = triage_json(&tls_outage(), &["--min-severity", "critical"]);
    let sev: Vec<&str> =
        critical["findings"].as_array().unwrap().iter().map(|f| f["severity"].as_str().unwrap()).collect();
    assert!(!sev.is_empty() && sev.iter().all(|s| *s == "critical"), "{sev:?}");
    assert!(critical["findings"].as_array().unwrap().len() < all["findings"].as_array().unwrap().len());

    let (code, none) = triage_json(&tls_outage(), &["--since", "2030-01-01"]);
    assert_eq!(code, 0);
    assert!(none["findings"].as_array().unwrap().is_empty());
    assert!(none["stats"]["records_out_of_range"].as_u64().unwrap() > 0);

    let bad = run(&["triage", tls_outage().to_str().unwrap(), "--since", "last tuesday"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("--since"), "{}", stderr(&bad));
}

#[test]
fn errors_exit_2_and_name_the_input() {
    let out = run(&["triage", "/no/such/bundle"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("/no/such/bundle"), "{}", stderr(&out));
    let out = run(&["triage", tls_outage().to_str().unwrap(), "--tz", "Mars/Olympus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Mars/Olympus"));
}

#[test]
fn text_markdown_and_html_reports() {
    let text = run(&["triage", tls_outage().to_str().unwrap()]);
    assert_eq!(text.status.code(), Some(1));
    let body = stdout(&text);
    assert!(body.contains("CRITICAL") && body.contains("Evidence") && body.contains("What to do"), "{body}");
    assert!(!body.contains('\x1b'), "no colour codes when not on a terminal");

    let md = stdout(&run(&["triage", tls_outage().to_str().unwrap(), "--format", "markdown"]));
    assert!(md.starts_with("# fieldkit triage: tls-outage") && md.contains("| severity | finding |"));

    let work = tempfile::tempdir().unwrap();
    let html_path = work.path().join("report.html");
    let out = run(&["triage", tls_outage().to_str().unwrap(), "--format", "html", "-o", html_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let html = fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    for external in ["src=\"http", "href=\"http", "@import", "<script src", "<link rel=\"stylesheet\""] {
        assert!(!html.contains(external), "the report is self-contained: found {external}");
    }
    assert!(html.contains("@media print"), "printable");
    check_in_chromium(&html_path, work.path());
}

/// Renders the report in real headless Chromium, to PDF (what printing produces) and to a screenshot.
fn check_in_chromium(html: &Path, work: &Path) {
    let Some(chromium) = ["chromium", "chromium-browser"].iter().find(|c| which(c)) else {
        assert!(
            std::env::var_os("FIELDKIT_REQUIRE_CHROMIUM").is_none(),
            "chromium is required (scripts/install-test-deps)"
        );
        eprintln!("chromium not installed: HTML not rendered");
        return;
    };
    let pdf = work.join("report.pdf");
    let profile = work.join("profile");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ])
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let size = fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "chromium printed the report ({size} bytes): {}", String::from_utf8_lossy(&out.stderr));
}

fn which(cmd: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|p| p.join(cmd).is_file()))
}

#[test]
fn odd_files_warn_and_go_on() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("bundle");
    fs::create_dir_all(&dir).unwrap();
    let mut odd = b"[2026-03-14 09:12:01,100] ERROR bad \xff\xfe bytes \x00 here (kafka.server.KafkaServer)\n".to_vec();
    odd.extend(std::iter::repeat_n(b'x', 10 << 20));
    odd.extend_from_slice(b"\n[2026-03-14 09:12:02,100] FATAL truncated mid-li");
    fs::write(dir.join("server.log"), &odd).unwrap();
    fs::write(dir.join("empty.log"), b"").unwrap();
    fs::write(dir.join("nul.log"), [0u8; 4096]).unwrap();
    let (code, report) = triage_json(&dir, &[]);
    assert_ne!(code, 2);
    let skipped: Vec<&str> =
        report["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert!(skipped.contains(&"empty.log") && skipped.contains(&"nul.log"), "{skipped:?}");
    assert_eq!(report["stats"]["lines"], 3);
    assert!(report["unexplained"].as_array().unwrap().len() >= 2);
}

#[test]
fn patterns_on_a_file_and_a_bundle() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("messages.txt");
    let lines: String = (0..300)
        .map(|i| match i % 3 {
            0 => format!("Connection to node {i} could not be established\n"),
            1 => format!("Deleting segment {i} from log orders-{}\n", i % 7),
            _ => format!("Rolled new log segment at offset {} in {} ms.\n", i * 1000, i % 13),
        })
        .collect();
    fs::write(&input, lines).unwrap();
    let csv_path = work.path().join("assignments.csv");
    let out = run(&[
        "patterns",
        input.to_str().unwrap(),
        "--raw",
        "--format",
        "json",
        "--assignments",
        csv_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = json(&out);
    let templates = report["templates"].as_array().unwrap();
    assert_eq!(templates.len(), 3, "{templates:?}");
    assert!(templates.iter().all(|t| t["count"] == 100));
    let csv = fs::read_to_string(&csv_path).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "line,template");
    assert_eq!(rows.len(), 301);
    assert!(rows[1].starts_with("1,"));

    let bundle = run(&["patterns", tls_outage().to_str().unwrap(), "--top", "5"]);
    assert!(bundle.status.success(), "{}", stderr(&bundle));
    assert!(stdout(&bundle).contains("template(s) from"));
}

#[test]
fn rules_list_show_and_lint() {
    let list = run(&["rules", "list", "--format", "json"]);
    assert!(list.status.success());
    let rules = json(&list);
    let rules = rules.as_array().unwrap();
    assert!(rules.len() >= 80, "{} rules", rules.len());
    let id = rules[0]["id"].as_str().unwrap();
    let show = run(&["rules", "show", id]);
    assert!(show.status.success() && stdout(&show).contains("Remediation"));
    assert_eq!(run(&["rules", "show", "NO-SUCH-RULE"]).status.code(), Some(2));
    let lint = run(&["rules", "lint"]);
    assert!(lint.status.success(), "{}", stdout(&lint));

    let work = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("site.yaml"),
        "- id: SITE-1\n  title: t\n  category: nope\n  component: broker\n  severity: error\n  match: [{contains: [\"abcd\"]}]\n  diagnosis: d\n  remediation: [r]\n  examples: [\"abcd\"]\n",
    )
    .unwrap();
    let lint = run(&["rules", "lint", work.path().to_str().unwrap()]);
    assert_eq!(lint.status.code(), Some(1));
    assert!(stdout(&lint).contains("site.yaml"), "{}", stdout(&lint));
    // The same broken directory stops triage with a clear error.
    let out = run(&["triage", tls_outage().to_str().unwrap(), "--rules", work.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("site.yaml"));
}

#[test]
fn user_rules_add_findings() {
    let work = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("site.yaml"),
        "- id: SITE-ORDERS-SERVICE\n  title: Orders service started\n  category: other\n  component: client\n  severity: warning\n  match: [{contains: [\"[Producer clientId=producer-1]\"]}]\n  diagnosis: d\n  remediation: [r]\n  examples: [\"[Producer clientId=producer-1] x\"]\n",
    )
    .unwrap();
    let (_, report) = triage_json(&tls_outage(), &["--rules", work.path().to_str().unwrap()]);
    assert!(finding_ids(&report).contains(&"SITE-ORDERS-SERVICE".to_string()));
}

#[test]
fn redact_keeps_layout_and_lines_and_triages_the_same() {
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("redacted");
    let key = work.path().join("site.key");
    let map = work.path().join("map.json");
    let bundle = tls_outage();
    let args = [
        "redact",
        bundle.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
        "--map-file",
        map.to_str().unwrap(),
    ];
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(key.exists() && map.exists());

    // Same files (names may be pseudonymised), same line counts, no original address left.
    let originals = walk(&tls_outage());
    let redacted = walk(&out_dir);
    assert_eq!(originals.len(), redacted.len());
    let line_count = |p: &Path| fs::read(p).unwrap().iter().filter(|b| **b == b'\n').count();
    let mut a: Vec<usize> = originals.iter().map(|p| line_count(p)).collect();
    let mut b: Vec<usize> = redacted.iter().map(|p| line_count(p)).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "every file keeps its line count");
    let all: String = redacted.iter().map(|p| String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned()).collect();
    for secret in ["10.0.0.11", "broker1.example.com"] {
        assert!(!all.contains(secret), "{secret} survived redaction");
    }

    // The redacted bundle tells the same story.
    let (_, before) = triage_json(&tls_outage(), &[]);
    let (_, after) = triage_json(&out_dir, &[]);
    let ids = |r: &Value| -> Vec<(String, u64)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["id"].as_str().unwrap().into(), f["count"].as_u64().unwrap()))
            .collect()
    };
    assert_eq!(ids(&before), ids(&after));

    // A second run with the same key gives byte-identical output; --reverse finds originals.
    let again = work.path().join("again");
    let mut args2 = args.to_vec();
    let again_str = again.to_str().unwrap().to_string();
    args2[3] = &again_str;
    assert!(run(&args2).status.success());
    for (x, y) in walk(&out_dir).iter().zip(walk(&again)) {
        assert_eq!(fs::read(x).unwrap(), fs::read(&y).unwrap(), "consistent pseudonyms");
    }
    let mapping: Value = serde_json::from_slice(&fs::read(&map).unwrap()).unwrap();
    let text = mapping.to_string();
    assert!(text.contains("10.0.0.11"), "the private map holds the originals");
    let token = find_token_for(&mapping, "10.0.0.11").expect("the map has a token for 10.0.0.11");
    let rev = run(&["redact", "--reverse", &token, "--map-file", map.to_str().unwrap()]);
    assert!(rev.status.success(), "{}", stderr(&rev));
    assert_eq!(stdout(&rev).trim(), "10.0.0.11");
    assert_eq!(
        run(&["redact", "--reverse", "no-such-token", "--map-file", map.to_str().unwrap()]).status.code(),
        Some(2)
    );
    // Refuses to overwrite without --force.
    assert_eq!(run(&args).status.code(), Some(2));
}

/// Finds the token whose original is `original`, whatever the map's exact JSON shape.
fn find_token_for(map: &Value, original: &str) -> Option<String> {
    fn walk(v: &Value, key: Option<&str>, original: &str) -> Option<String> {
        match v {
            Value::Object(m) => {
                if m.get("original").and_then(Value::as_str) == Some(original) {
                    if let Some(t) = m.get("token").and_then(Value::as_str) {
                        return Some(t.to_string());
                    }
                    return key.map(str::to_string);
                }
                m.iter().find_map(|(k, v)| walk(v, Some(k), original))
            }
            Value::Array(a) => a.iter().find_map(|v| walk(v, None, original)),
            _ => None,
        }
    }
    walk(map, None, original)
}

#[test]
fn triage_redact_hides_addresses_in_the_report() {
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("k");
    let out = run(&[
        "triage",
        tls_outage().to_str().unwrap(),
        "--format",
        "json",
        "--redact",
        "--key-file",
        key.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let body = stdout(&out);
    assert!(!body.contains("10.0.0.11") && !body.contains("broker1.example.com"));
    let report = json(&out);
    assert!(report["findings"].as_array().unwrap().iter().any(|f| f["category"] == "tls"));
}

#[test]
fn redact_to_a_tar_gz_and_a_single_file() {
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("k");
    let tgz = work.path().join("shareable.tar.gz");
    let out = run(&[
        "redact",
        tls_outage().to_str().unwrap(),
        "-o",
        tgz.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, report) = triage_json(&tgz, &[]);
    assert_eq!(code, 1);
    assert!(!report["findings"].as_array().unwrap().is_empty());

    let single = work.path().join("one.log");
    fs::write(
        &single,
        "[2026-03-14 09:12:01,100] INFO Connected to 10.1.2.3:9092 as User:alice (kafka.server.KafkaServer)\n",
    )
    .unwrap();
    let redacted = work.path().join("one.redacted.log");
    let out = run(&[
        "redact",
        single.to_str().unwrap(),
        "-o",
        redacted.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
        "--keyword",
        "kafka.server.KafkaServer",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = fs::read_to_string(&redacted).unwrap();
    assert!(
        !text.contains("10.1.2.3") && !text.contains("alice") && !text.contains("kafka.server.KafkaServer"),
        "{text}"
    );
    assert!(text.contains(":9092") && text.contains("User:"), "ports and the principal type stay: {text}");
}

#[test]
fn redact_refuses_to_overwrite_its_input_and_replaces_old_output() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("in");
    fs::create_dir_all(input.join("acme")).unwrap();
    fs::write(input.join("acme/app.log"), "[2026-03-14 09:12:01,100] INFO acme user 10.1.2.3 (a.B)\n").unwrap();
    let key = work.path().join("k");
    let k = key.to_str().unwrap();
    let i = input.to_str().unwrap();
    // Output equal to, inside, or around the input: refused even with --force; the input survives.
    for out in [i.to_string(), format!("{i}/sub"), work.path().to_str().unwrap().to_string()] {
        let res = run(&["redact", i, "-o", &out, "--key-file", k, "--force"]);
        assert_eq!(res.status.code(), Some(2), "{out}");
        assert!(stderr(&res).contains("overlaps"), "{}", stderr(&res));
    }
    assert!(fs::read_to_string(input.join("acme/app.log")).unwrap().contains("10.1.2.3"));
    // --force replaces the old output: nothing from the first run survives the second.
    let out = work.path().join("out");
    let o = out.to_str().unwrap();
    assert!(run(&["redact", i, "-o", o, "--key-file", k]).status.success());
    assert!(run(&["redact", i, "-o", o, "--key-file", k, "--keyword", "acme", "--force"]).status.success());
    let all: Vec<String> = walk(&out).iter().map(|p| p.display().to_string()).collect();
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(!all[0].contains("acme"), "{all:?}");
    assert!(!fs::read_to_string(&all[0]).unwrap().contains("acme"));
    // Archive formats we do not write are refused rather than silently made a directory.
    let zip = work.path().join("x.zip");
    assert_eq!(run(&["redact", i, "-o", zip.to_str().unwrap(), "--key-file", k]).status.code(), Some(2));
    assert!(!zip.exists());
}

#[test]
fn nothing_readable_is_an_error_not_a_clean_bill() {
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("lib.jar"), b"PK").unwrap();
    let out = run(&["triage", work.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no readable log"), "{}", stderr(&out));
}

#[test]
fn zones_west_of_utc_and_inverted_windows() {
    let bundle = tls_outage();
    let b = bundle.to_str().unwrap();
    let out = run(&["triage", b, "--tz", "-05:00", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(&["triage", b, "--since", "2026-03-14 12:00", "--until", "2026-03-14 09:00"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--since is after --until"));
    // Regression: a multi-byte character where the parser pads seconds used to panic.
    let out = run(&["triage", b, "--since", "2026-03-14 09:0éé"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn terminal_escapes_in_logs_are_neutralised() {
    let work = tempfile::tempdir().unwrap();
    fs::write(
        work.path().join("server.log"),
        "[2026-03-14 09:12:01,100] ERROR boom \x1b]0;PWNED\x07\x1b[2J here (kafka.server.KafkaServer)\n",
    )
    .unwrap();
    for args in [vec!["triage"], vec!["patterns"]] {
        let mut full = args.clone();
        full.push(work.path().to_str().unwrap());
        let out = run(&full);
        assert!(!stdout(&out).contains('\x1b'), "{args:?}: {}", stdout(&out));
    }
}

// ---- fieldkit inventory / fieldkit check (the platform model) ----

fn cp_ansible(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cp-ansible/").to_string() + name
}

fn platform_data(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../fieldkit-platform/tests/data/").to_string() + name
}

#[test]
fn inventory_show_json_lists_hosts_with_parent_groups() {
    let out = run(&["inventory", "show", &cp_ansible("rbac_mutiple_ksql.yml"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["hosts"]["demo-ksql-1"]["groups"], serde_json::json!(["ksql", "ksql_analytics"]));
    assert!(v["components"].as_array().unwrap().iter().any(|c| c["cluster"] == "ksql_wraggle"));
    assert!(v["listeners"].as_array().unwrap().iter().any(|l| l["name"] == "BROKER" && l["protocol"] == "SSL"));
    assert_eq!(v["security"]["rbac"], true);
    let text = run(&["inventory", "show", &cp_ansible("hosts_example.7.9.x.yml")]);
    assert_eq!(text.status.code(), Some(0));
    assert!(stdout(&text).contains("zookeeper"), "{}", stdout(&text));
}

#[test]
fn inventory_and_check_exit_2_on_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    fs::write(&bad, "all:\n  hosts: [a, b]\n").unwrap();
    for args in [vec!["inventory", "show", bad.to_str().unwrap()], vec!["check", "/nonexistent/hosts.yml"]] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains("fieldkit: error:"), "{}", stderr(&out));
    }
    assert!(stderr(&run(&["inventory", "show", bad.to_str().unwrap()])).contains("bad.yml:2: all.hosts"));
}

#[test]
fn check_formats_and_exit_codes() {
    let file = platform_data("plaintext_broker.properties");
    let out = run(&["check", &file, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let f = &v["findings"][0];
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
    for k in ["id", "severity", "title", "setting", "evidence", "why", "fix"] {
        assert!(f[k].is_string(), "{k}: {f}");
    }
    // Only critical findings: still some (allow.everyone), and nothing below.
    let out = run(&["check", &file, "--format", "json", "--min-severity", "critical"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(json(&out)["findings"].as_array().unwrap().iter().all(|f| f["severity"] == "critical"));
    // A hardened broker passes.
    let out = run(&["check", &platform_data("hardened_broker.properties")]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));

    let sarif = json(&run(&["check", &file, "--format", "sarif"]));
    assert_eq!(sarif["version"], "2.1.0");
    let run0 = &sarif["runs"][0];
    let rules: Vec<&str> =
        run0["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    for r in run0["results"].as_array().unwrap() {
        assert!(rules.contains(&r["ruleId"].as_str().unwrap()));
        assert!(["note", "warning", "error"].contains(&r["level"].as_str().unwrap()));
        assert!(r["message"]["text"].is_string());
        assert!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().ends_with(".properties")
        );
    }
    assert!(
        run0["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["locations"][0]["physicalLocation"]["region"]["startLine"] == 6)
    );

    let md = stdout(&run(&["check", &cp_ansible("hosts_example.7.9.x.yml"), "--format", "markdown"]));
    assert!(md.starts_with("# fieldkit check") && md.contains("`zookeeper-without-acl`"), "{md}");

    // mTLS KRaft: no plaintext or anonymous listener.
    let v = json(&run(&["check", &cp_ansible("mtls_kraft.yml"), "--format", "json"]));
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(!ids.contains(&"plaintext-listener") && !ids.contains(&"unauthenticated-listener"), "{ids:?}");
}

#[test]
fn diagram_formats_output_file_and_exit_codes() {
    let inv = cp_ansible("sasl_ssl_kraft.yml");
    let svg = run(&["diagram", &inv]);
    assert_eq!(svg.status.code(), Some(0), "{}", stderr(&svg));
    assert!(stdout(&svg).starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(stdout(&svg).contains("SASL_SSL :9092"), "{}", stdout(&svg));
    let dot = run(&["diagram", &inv, "--format", "dot"]);
    assert!(stdout(&dot).starts_with("digraph fieldkit {"));
    let mermaid = run(&["diagram", &inv, "-f", "mermaid"]);
    assert!(stdout(&mermaid).contains("flowchart TB"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platform.svg");
    let out = run(&["diagram", &inv, "-o", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).is_empty());
    assert_eq!(fs::read_to_string(&file).unwrap(), stdout(&svg));
    // Properties files work too.
    let props = run(&["diagram", &platform_data("plaintext_broker.properties"), "-f", "mermaid"]);
    assert_eq!(props.status.code(), Some(0), "{}", stderr(&props));
    let bad = dir.path().join("bad.yml");
    fs::write(&bad, "all:\n  hosts: [a, b]\n").unwrap();
    for input in [bad.to_str().unwrap(), "/nonexistent/hosts.yml"] {
        let out = run(&["diagram", input]);
        assert_eq!(out.status.code(), Some(2), "{input}");
        assert!(stderr(&out).contains("fieldkit: error:"), "{}", stderr(&out));
    }
}
