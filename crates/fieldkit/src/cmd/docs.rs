//! `fieldkit docs security|readiness|faq`: read the model, the engagement YAML and the template
//! overrides, hand them to `fieldkit_platform::docs`, write the document.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use fieldkit_platform::check as run_checks;
use fieldkit_platform::docs::{DocFormat, DocInput, DocKind, Engagement, TEMPLATES, render};

use crate::cli::{DocsArgs, DocsFormat, DocsKind};
use crate::cmd::platform::load;
use crate::cmd::write_output;
use crate::exit;

pub fn run(args: DocsArgs) -> Result<u8> {
    let p = load(&args.input, args.properties.as_deref())?;
    let findings = run_checks(&p);
    let engagement = match &args.engagement {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("{}: cannot read as UTF-8 text", path.display()))?;
            Some(Engagement::parse(&path.display().to_string(), &text)?)
        }
        None => None,
    };
    let overrides = match &args.templates {
        Some(dir) => read_templates(dir)?,
        None => BTreeMap::new(),
    };
    let kind = match args.kind {
        DocsKind::Security => DocKind::Security,
        DocsKind::Readiness => DocKind::Readiness,
        DocsKind::Faq => DocKind::Faq,
    };
    let format = match args.format {
        DocsFormat::Markdown => DocFormat::Markdown,
        DocsFormat::Html => DocFormat::Html,
    };
    let input = DocInput {
        platform: &p,
        findings: &findings,
        engagement: engagement.as_ref(),
        version: env!("CARGO_PKG_VERSION"),
    };
    let doc = render(kind, format, &input, &overrides)?;
    write_output(args.output.as_deref(), doc.as_bytes())?;
    Ok(exit::OK)
}

/// The `*.j2` files of DIR, by file name. A name that is not a built-in template is still loaded
/// (a partial the overrides include), so a typo is reported rather than silently ignored only when
/// nothing is loaded at all.
fn read_templates(dir: &Path) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("{}: cannot read the directory", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(String::from) else { continue };
        if !path.is_file() || !name.ends_with(".j2") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read as UTF-8 text", path.display()))?;
        out.insert(name, text);
    }
    if out.is_empty() {
        let names: Vec<&str> = TEMPLATES.iter().map(|(n, _)| *n).collect();
        anyhow::bail!("{}: no *.j2 template here (built-in names: {})", dir.display(), names.join(", "));
    }
    Ok(out)
}
