//! `fieldkit inventory show` and `fieldkit check`: read the inventory / properties files, hand
//! their text to `fieldkit-platform`, render.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use fieldkit_platform::check::{to_markdown, to_sarif};
use fieldkit_platform::{Platform, Severity, check as run_checks};

use crate::cli::{CheckArgs, CheckFormat, InventoryArgs, InventoryCommand, ListFormat, MinSeverity};
use crate::cmd::{printable, write_output};
use crate::exit;
use crate::term::Style;

/// Reads INPUT (an inventory, a properties file, or a directory of properties files) and the
/// optional `--properties DIR`, and builds the model.
pub(crate) fn load(input: &Path, properties_dir: Option<&Path>) -> Result<Platform> {
    let meta = std::fs::metadata(input).with_context(|| format!("{}: cannot read", input.display()))?;
    let mut inventory = None;
    let mut properties = Vec::new();
    if meta.is_dir() {
        properties.extend(read_properties_dir(input)?);
        if properties.is_empty() {
            bail!("{}: no *.properties files in this directory", input.display());
        }
    } else {
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("{}: cannot read as UTF-8 text", input.display()))?;
        if input.extension().is_some_and(|e| e == "properties") {
            properties.push((input.display().to_string(), text));
        } else {
            inventory = Some((input.display().to_string(), text));
        }
    }
    if let Some(dir) = properties_dir {
        properties.extend(read_properties_dir(dir)?);
    }
    let platform = Platform::load(inventory.as_ref().map(|(n, t)| (n.as_str(), t.as_str())), &properties)?;
    Ok(platform)
}

fn read_properties_dir(dir: &Path) -> Result<Vec<(String, String)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read the directory", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "properties"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("{}: cannot read as UTF-8 text", p.display()))?;
            Ok((p.display().to_string(), text))
        })
        .collect()
}

fn kind_name(kind: fieldkit_platform::model::ComponentKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

pub fn inventory(args: InventoryArgs) -> Result<u8> {
    let InventoryCommand::Show(input) = args.command;
    let p = load(&input.input, input.properties.as_deref())?;
    let out = match input.format {
        ListFormat::Json => serde_json::to_string_pretty(&p)? + "\n",
        ListFormat::Text => render_model(&p),
    };
    write_output(None, out.as_bytes())?;
    Ok(exit::OK)
}

fn render_model(p: &Platform) -> String {
    let style = Style::for_stdout();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}",
        style.bold("fieldkit inventory"),
        style.dim(&format!("· {}", printable(&p.sources.join(", "))))
    );
    let _ = writeln!(s, "\n{}", style.bold("Components"));
    for c in &p.components {
        let cluster = c.cluster.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
        let _ = writeln!(
            s,
            "  {:<26} {:>2}  {}",
            format!("{}{}", kind_name(c.kind), cluster),
            c.hosts.len(),
            printable(&c.hosts.join(", "))
        );
    }
    if !p.hosts.is_empty() {
        let _ = writeln!(s, "\n{}", style.bold("Hosts"));
        for (name, h) in &p.hosts {
            let _ = writeln!(s, "  {}", printable(name));
            let _ = writeln!(s, "    groups     {}", printable(&h.groups.join(", ")));
            if let Some(a) = &h.ansible_host {
                let _ = writeln!(s, "    address    {}", printable(a));
            }
            if let Some(r) = &h.rack {
                let _ = writeln!(s, "    rack       {}", printable(r));
            }
            if !h.data_dirs.is_empty() {
                let _ = writeln!(s, "    data dirs  {}", printable(&h.data_dirs.join(", ")));
            }
            for e in &h.exporters {
                let _ = writeln!(s, "    {:<10} {} :{} (auth {})", e.kind, kind_name(e.component), e.port, e.auth);
            }
        }
    }
    let _ = writeln!(s, "\n{}", style.bold("Listeners"));
    for l in &p.listeners {
        let port = l.port.map(|p| format!(":{p}")).unwrap_or_default();
        let mut extra = l.sasl_mechanisms.join(",");
        if l.mtls {
            extra.push_str(if extra.is_empty() { "mTLS" } else { ",mTLS" });
        }
        let _ = writeln!(
            s,
            "  {:<40} {:<22} {:<14} {:<15} {}",
            printable(&l.host),
            kind_name(l.component),
            format!("{}{}", printable(&l.name), port),
            l.protocol,
            extra
        );
    }
    let sec = &p.security;
    let _ = writeln!(s, "\n{}", style.bold("Security"));
    let _ = writeln!(s, "  TLS on every Kafka listener  {}", sec.tls);
    let _ = writeln!(s, "  mTLS                         {}", sec.mtls);
    let mechs: Vec<&str> = sec.sasl_mechanisms.iter().map(String::as_str).collect();
    let _ = writeln!(
        s,
        "  SASL mechanisms              {}",
        if mechs.is_empty() { "none".into() } else { mechs.join(", ") }
    );
    let _ = writeln!(s, "  RBAC                         {}", sec.rbac);
    let _ = writeln!(s, "  authorizer                   {}", sec.authorizer.as_deref().unwrap_or("none"));
    if let Some(q) = &p.quorum {
        let _ = writeln!(s, "  KRaft controller voters      {}", q.voters);
    }
    if let Some(z) = &p.zookeeper {
        let _ = writeln!(s, "  ZooKeeper authentication     {}", z.auth);
    }
    for w in &p.warnings {
        let _ = writeln!(s, "\n{} {}", style.dim("warning:"), printable(w));
    }
    s
}

fn severity(min: MinSeverity) -> Severity {
    match min {
        MinSeverity::Info => Severity::Info,
        MinSeverity::Warning => Severity::Warning,
        MinSeverity::Error => Severity::Error,
        MinSeverity::Critical => Severity::Critical,
    }
}

pub fn check(args: CheckArgs) -> Result<u8> {
    let p = load(&args.input, args.properties.as_deref())?;
    let min = severity(args.min_severity);
    let findings: Vec<_> = run_checks(&p).into_iter().filter(|f| f.severity >= min).collect();
    let out = match args.format {
        CheckFormat::Json => {
            serde_json::to_string_pretty(&serde_json::json!({"sources": p.sources, "findings": findings}))? + "\n"
        }
        CheckFormat::Sarif => serde_json::to_string_pretty(&to_sarif(&findings, env!("CARGO_PKG_VERSION")))? + "\n",
        CheckFormat::Markdown => to_markdown(&findings, &p.sources),
        CheckFormat::Text => {
            let style = Style::for_stdout();
            let mut s = format!(
                "{} {}\n",
                style.bold("fieldkit check"),
                style.dim(&format!(
                    "· {} · {} finding(s) at {} or above",
                    printable(&p.sources.join(", ")),
                    findings.len(),
                    min.as_str()
                ))
            );
            for f in &findings {
                let _ = write!(
                    s,
                    "\n{} {} {}\n  setting   {}\n  evidence  {}\n  why       {}\n  fix       {}\n",
                    style.bold(&format!("[{}]", f.severity.as_str().to_uppercase())),
                    style.bold(&f.title),
                    style.dim(&format!("({})", f.id)),
                    printable(&f.setting),
                    printable(&f.evidence),
                    f.why,
                    f.fix
                );
            }
            s
        }
    };
    write_output(args.output.as_deref(), out.as_bytes())?;
    Ok(if findings.is_empty() { exit::OK } else { exit::FINDINGS })
}
