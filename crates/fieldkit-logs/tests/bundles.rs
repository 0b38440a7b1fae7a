//! Opening bundles of every kind, and refusing the hostile ones: path traversal, links, bombs,
//! truncated archives, nested archives beyond one level.

use std::fs;
use std::io::Write;
use std::path::Path;

use fieldkit_logs::{Bundle, BundleError, FileKind, Limits};

const BROKER: &str = "[2026-03-14 09:12:01,100] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)\n";

/// A small bundle laid out like a support script collects it.
fn write_layout(root: &Path) {
    let files: &[(&str, &str)] = &[
        ("broker-1/server.log", "[2026-03-14 10:00:00,000] INFO newest (kafka.server.KafkaServer)\n"),
        ("broker-1/server.log.1", "[2026-03-14 09:00:00,000] INFO middle (kafka.server.KafkaServer)\n"),
        ("broker-1/server.log.2", "[2026-03-14 08:00:00,000] INFO oldest (kafka.server.KafkaServer)\n"),
        ("broker-1/controller.log", BROKER),
        ("broker-1/server.properties", "broker.id=1\nlisteners=SSL://:9093\nlog.dirs=/var/lib/kafka\n"),
        (
            "clients/orders.log",
            "2026-03-14 09:12:01.100 [main] INFO org.apache.kafka.clients.producer.KafkaProducer - x\n",
        ),
        ("notes.txt", "collected by support script\n"),
    ];
    for (rel, text) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
}

/// Limits with a total size cap and no ratio check (tests of size limits compress very well).
fn cap(bytes: u64) -> Limits {
    Limits { max_total_bytes: bytes, max_ratio: u64::MAX, ..Limits::default() }
}

fn paths(bundle: &Bundle) -> Vec<&str> {
    bundle.files.iter().map(|f| f.path.as_str()).collect()
}

fn tar_gz_of(dir: &Path, out: &Path) {
    let file = fs::File::create(out).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()));
    builder.append_dir_all("", dir).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
}

fn zip_of(entries: &[(&str, &[u8])], out: &Path) {
    let mut zip = zip::ZipWriter::new(fs::File::create(out).unwrap());
    for (name, data) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
}

/// A tar entry with a raw name, bypassing the tar crate's own path checks.
fn raw_tar_entry(
    builder: &mut tar::Builder<impl Write>,
    name: &str,
    data: &[u8],
    kind: tar::EntryType,
    link: Option<&str>,
) {
    let mut header = tar::Header::new_gnu();
    let gnu = header.as_gnu_mut().unwrap();
    gnu.name[..name.len()].copy_from_slice(name.as_bytes());
    header.set_entry_type(kind);
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    if let Some(link) = link {
        header.set_link_name(link).unwrap();
    }
    header.set_cksum();
    builder.append(&header, data).unwrap();
}

/// Files at the bundle root first, then directory by directory.
const EXPECTED_ORDER: [&str; 7] = [
    "notes.txt",
    "broker-1/controller.log",
    "broker-1/server.log.2",
    "broker-1/server.log.1",
    "broker-1/server.log",
    "broker-1/server.properties",
    "clients/orders.log",
];

#[test]
fn directory_bundle_kinds_hosts_and_rotation_order() {
    let dir = tempfile::tempdir().unwrap();
    write_layout(dir.path());
    fs::write(dir.path().join("empty.log"), "").unwrap();
    fs::write(dir.path().join("heap.hprof"), [0u8; 64]).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("passwd.log")).unwrap();

    let bundle = Bundle::open(dir.path(), Limits::default()).unwrap();
    assert_eq!(paths(&bundle), EXPECTED_ORDER, "families in name order, rotated files oldest first");
    let kinds: Vec<_> = bundle.files.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FileKind::Other,
            FileKind::Controller,
            FileKind::Broker,
            FileKind::Broker,
            FileKind::Broker,
            FileKind::Properties,
            FileKind::Client,
        ]
    );
    assert_eq!(bundle.files[1].host, "broker-1");
    assert_eq!(bundle.files[0].host, "");
    let skipped: Vec<_> = bundle.skipped.iter().map(|s| (s.path.as_str(), s.reason.as_str())).collect();
    assert!(skipped.contains(&("empty.log", "empty file")), "{skipped:?}");
    assert!(skipped.contains(&("heap.hprof", "binary file")), "{skipped:?}");
    #[cfg(unix)]
    assert!(skipped.contains(&("passwd.log", "symbolic link not followed")), "{skipped:?}");
}

#[test]
fn tar_gz_and_zip_bundles_read_like_the_directory() {
    let src = tempfile::tempdir().unwrap();
    write_layout(src.path());
    let out = tempfile::tempdir().unwrap();
    let tgz = out.path().join("bundle.tar.gz");
    tar_gz_of(src.path(), &tgz);
    let bundle = Bundle::open(&tgz, Limits::default()).unwrap();
    assert_eq!(paths(&bundle), EXPECTED_ORDER);
    assert_eq!(
        bundle.files[4].read(&cap(1 << 20)).unwrap(),
        b"[2026-03-14 10:00:00,000] INFO newest (kafka.server.KafkaServer)\n"
    );

    let zip = out.path().join("bundle.zip");
    let owned: Vec<(String, Vec<u8>)> =
        EXPECTED_ORDER.iter().map(|p| (p.to_string(), fs::read(src.path().join(p)).unwrap())).collect();
    let entries: Vec<(&str, &[u8])> = owned.iter().map(|(p, d)| (p.as_str(), d.as_slice())).collect();
    zip_of(&entries, &zip);
    let bundle = Bundle::open(&zip, Limits::default()).unwrap();
    assert_eq!(paths(&bundle), EXPECTED_ORDER);
}

#[test]
fn nested_archives_open_one_level_deep() {
    let work = tempfile::tempdir().unwrap();
    // innermost.zip inside inner.zip inside the directory bundle: inner opens, innermost does not.
    let innermost = work.path().join("innermost.zip");
    zip_of(&[("deep.log", BROKER.as_bytes())], &innermost);
    let inner_bytes = {
        let inner = work.path().join("inner.zip");
        zip_of(
            &[("broker-2/server.log", BROKER.as_bytes()), ("innermost.zip", &fs::read(&innermost).unwrap())],
            &inner,
        );
        fs::read(inner).unwrap()
    };
    let bundle_dir = work.path().join("bundle");
    fs::create_dir_all(&bundle_dir).unwrap();
    fs::write(bundle_dir.join("broker-2-logs.zip"), inner_bytes).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(BROKER.as_bytes()).unwrap();
    fs::write(bundle_dir.join("server.log.1.gz"), gz.finish().unwrap()).unwrap();

    let bundle = Bundle::open(&bundle_dir, Limits::default()).unwrap();
    assert_eq!(paths(&bundle), ["server.log.1.gz", "broker-2-logs.zip/broker-2/server.log"]);
    assert_eq!(bundle.files[1].host, "broker-2-logs");
    assert_eq!(bundle.files[0].read(&cap(1 << 20)).unwrap(), BROKER.as_bytes(), "gzip members read decompressed");
    assert_eq!(bundle.files[0].kind, FileKind::Broker);
    let skipped: Vec<_> = bundle.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(skipped, ["broker-2-logs.zip/innermost.zip"]);
}

#[test]
fn traversal_absolute_paths_and_links_are_not_extracted() {
    let work = tempfile::tempdir().unwrap();
    let tar_path = work.path().join("evil.tar");
    {
        let mut builder = tar::Builder::new(fs::File::create(&tar_path).unwrap());
        raw_tar_entry(&mut builder, "../escaped.log", BROKER.as_bytes(), tar::EntryType::Regular, None);
        raw_tar_entry(&mut builder, "/tmp/absolute.log", BROKER.as_bytes(), tar::EntryType::Regular, None);
        raw_tar_entry(&mut builder, "link.log", b"", tar::EntryType::Symlink, Some("/etc/passwd"));
        raw_tar_entry(&mut builder, "ok/server.log", BROKER.as_bytes(), tar::EntryType::Regular, None);
        builder.finish().unwrap();
    }
    let bundle = Bundle::open(&tar_path, Limits::default()).unwrap();
    assert_eq!(paths(&bundle), ["ok/server.log"]);
    let reasons: Vec<_> = bundle.skipped.iter().map(|s| format!("{}: {}", s.path, s.reason)).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].starts_with("../escaped.log: path climbs out"), "{reasons:?}");
    assert!(reasons[1].starts_with("/tmp/absolute.log: absolute path"), "{reasons:?}");
    assert!(reasons[2].starts_with("link.log: link not followed"), "{reasons:?}");
    assert!(!work.path().join("escaped.log").exists());

    let zip_path = work.path().join("evil.zip");
    zip_of(&[("../../zip-escaped.log", BROKER.as_bytes()), ("fine.log", BROKER.as_bytes())], &zip_path);
    let bundle = Bundle::open(&zip_path, Limits::default()).unwrap();
    assert_eq!(paths(&bundle), ["fine.log"]);
    assert_eq!(bundle.skipped.len(), 1);
    assert!(bundle.skipped[0].reason.contains("climbs out"), "{:?}", bundle.skipped);
}

#[test]
fn zip_bombs_and_oversized_bundles_are_refused() {
    let work = tempfile::tempdir().unwrap();
    let bomb = work.path().join("bomb.zip");
    zip_of(&[("zeros.log", &vec![b'0'; 8 << 20])], &bomb);
    let limits = Limits { ratio_floor_bytes: 1 << 20, ..Limits::default() };
    match Bundle::open(&bomb, limits) {
        Err(BundleError::Bomb { ratio, limit, .. }) => assert!(ratio > limit),
        other => panic!("expected a bomb refusal, got {other:?}"),
    }
    let limits = Limits { max_total_bytes: 1 << 20, ..Limits::default() };
    let err = Bundle::open(&bomb, limits).unwrap_err();
    assert!(matches!(err, BundleError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("--max-bundle-size"), "the error says how to raise the limit: {err}");
}

#[test]
fn truncated_archive_keeps_what_was_readable() {
    let src = tempfile::tempdir().unwrap();
    write_layout(src.path());
    let big: String =
        (0..20_000).map(|i| format!("[2026-03-14 09:00:00,000] INFO line {i} (kafka.server.KafkaServer)\n")).collect();
    fs::write(src.path().join("zz-big.log"), big).unwrap();
    let work = tempfile::tempdir().unwrap();
    let tgz = work.path().join("bundle.tgz");
    tar_gz_of(src.path(), &tgz);
    let bytes = fs::read(&tgz).unwrap();
    fs::write(&tgz, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let bundle = Bundle::open(&tgz, Limits::default()).unwrap();
    assert!(!bundle.files.is_empty());
    assert!(bundle.skipped.iter().any(|s| s.reason.contains("truncated")), "{:?}", bundle.skipped);
}

#[test]
fn missing_input_is_a_clear_error() {
    let err = Bundle::open(Path::new("/no/such/bundle.tar.gz"), Limits::default()).unwrap_err();
    assert_eq!(err.to_string(), "/no/such/bundle.tar.gz: no such file or directory");
    let work = tempfile::tempdir().unwrap();
    let junk = work.path().join("junk.zip");
    fs::write(&junk, b"this is not a zip file at all").unwrap();
    let err = Bundle::open(&junk, Limits::default()).unwrap_err();
    assert!(err.to_string().starts_with(&format!("{}: not a readable archive", junk.display())), "{err}");
}

#[test]
fn single_file_input() {
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("app.log");
    fs::write(&log, "2026-03-14 09:12:01.100 [main] INFO o.a.k.c.NetworkClient - hello\n").unwrap();
    let bundle = Bundle::open(&log, Limits::default()).unwrap();
    assert_eq!(paths(&bundle), ["app.log"]);
    assert_eq!(bundle.files[0].kind, FileKind::Client);
}

#[test]
fn gzip_members_stop_at_the_size_limit() {
    let work = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'a'; 4 << 20]).unwrap();
    fs::write(work.path().join("server.log.1.gz"), gz.finish().unwrap()).unwrap();
    let bundle = Bundle::open(work.path(), Limits::default()).unwrap();
    let err = bundle.files[0].read(&cap(1 << 20)).unwrap_err();
    assert!(matches!(err, BundleError::TooLarge { limit, .. } if limit == 1 << 20), "{err}");
    assert_eq!(bundle.files[0].read(&cap(8 << 20)).unwrap().len(), 4 << 20);
}

#[test]
fn one_bad_nested_archive_costs_only_itself() {
    let work = tempfile::tempdir().unwrap();
    fs::create_dir_all(work.path().join("b1")).unwrap();
    fs::write(work.path().join("b1/server.log"), BROKER).unwrap();
    fs::write(work.path().join("broken.zip"), b"PK\x03\x04 not really a zip").unwrap();
    // A big honest archive before a tiny one must not make the tiny one look like a bomb.
    let big: String = (0..40_000).map(|i| format!("[2026-03-14 09:00:00,000] INFO line {i} (a.B)\n")).collect();
    zip_of(&[("big/server.log", big.as_bytes())], &work.path().join("a-big.zip"));
    zip_of(&[("tiny/server.log", BROKER.as_bytes())], &work.path().join("z-tiny.zip"));
    let limits = Limits { ratio_floor_bytes: 1 << 20, ..Limits::default() };
    let bundle = Bundle::open(work.path(), limits).unwrap();
    assert_eq!(paths(&bundle), ["a-big.zip/big/server.log", "b1/server.log", "z-tiny.zip/tiny/server.log"]);
    assert_eq!(bundle.skipped.len(), 1, "{:?}", bundle.skipped);
    assert_eq!(bundle.skipped[0].path, "broken.zip");
    assert!(bundle.skipped[0].reason.starts_with("not readable"), "{:?}", bundle.skipped);
}

#[test]
fn duplicate_entry_names_are_both_kept() {
    let work = tempfile::tempdir().unwrap();
    let tar_path = work.path().join("dup.tar");
    let mut builder = tar::Builder::new(fs::File::create(&tar_path).unwrap());
    raw_tar_entry(&mut builder, "b1/server.log", b"FIRST\n", tar::EntryType::Regular, None);
    raw_tar_entry(&mut builder, "b1/server.log", b"SECOND\n", tar::EntryType::Regular, None);
    raw_tar_entry(&mut builder, "b1", b"a file where a directory is\n", tar::EntryType::Regular, None);
    builder.finish().unwrap();
    drop(builder);
    let bundle = Bundle::open(&tar_path, Limits::default()).unwrap();
    let mut got: Vec<(String, Vec<u8>)> =
        bundle.files.iter().map(|f| (f.path.clone(), f.read(&Limits::default()).unwrap())).collect();
    got.sort();
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().any(|(_, d)| d == b"FIRST\n") && got.iter().any(|(_, d)| d == b"SECOND\n"));
    assert!(got.iter().any(|(p, _)| p.ends_with("~2")), "{got:?}");
}

#[test]
fn hosts_look_past_a_shared_top_directory() {
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("case-123");
    write_layout(&src);
    let tgz = work.path().join("case.tgz");
    let file = fs::File::create(&tgz).unwrap();
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()));
    builder.append_dir_all("case-123", &src).unwrap();
    builder.into_inner().unwrap().finish().unwrap();
    let bundle = Bundle::open(&tgz, Limits::default()).unwrap();
    let hosts: Vec<(&str, &str)> = bundle.files.iter().map(|f| (f.path.as_str(), f.host.as_str())).collect();
    assert!(hosts.contains(&("case-123/broker-1/server.log", "broker-1")), "{hosts:?}");
    assert!(hosts.contains(&("case-123/notes.txt", "")), "{hosts:?}");
}

#[cfg(unix)]
#[test]
fn pipes_and_sockets_are_listed_not_dropped() {
    let work = tempfile::tempdir().unwrap();
    fs::write(work.path().join("server.log"), BROKER).unwrap();
    let fifo = work.path().join("server.log.pipe");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let bundle = Bundle::open(work.path(), Limits::default()).unwrap();
    assert_eq!(paths(&bundle), ["server.log"]);
    assert_eq!(bundle.skipped.len(), 1);
    assert!(bundle.skipped[0].reason.contains("not a regular file"));
}

#[test]
fn gzip_bombs_and_truncated_gzip_members() {
    let work = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'a'; 8 << 20]).unwrap();
    fs::write(work.path().join("server.log.1.gz"), gz.finish().unwrap()).unwrap();
    let limits = Limits { ratio_floor_bytes: 1 << 20, ..Limits::default() };
    let bundle = Bundle::open(work.path(), limits.clone()).unwrap();
    let err = bundle.files[0].read(&limits).unwrap_err();
    assert!(matches!(err, BundleError::Bomb { .. }), "{err}");

    let text: String = (0..50_000).map(|i| format!("[2026-03-14 09:00:00,000] INFO line {i} (a.B)\n")).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let full = gz.finish().unwrap();
    fs::write(work.path().join("server.log.1.gz"), &full[..full.len() / 2]).unwrap();
    let bundle = Bundle::open(work.path(), Limits::default()).unwrap();
    let (bytes, damage) = bundle.files[0].read_partial(&Limits::default()).unwrap();
    assert!(!bytes.is_empty() && bytes.len() < text.len());
    assert!(text.as_bytes().starts_with(&bytes), "what was read is the start of the file");
    assert!(damage.unwrap().contains("damaged"));
    assert!(bundle.files[0].read(&Limits::default()).is_err(), "the strict read reports the damage");
}
