//! `fieldkit diagram`: the platform model as an SVG, DOT or Mermaid architecture diagram.

use anyhow::Result;
use fieldkit_platform::diagram::{Format, render};

use crate::cli::{DiagramArgs, DiagramFormat};
use crate::cmd::platform::load;
use crate::cmd::write_output;
use crate::exit;

pub fn run(args: DiagramArgs) -> Result<u8> {
    let p = load(&args.input, args.properties.as_deref())?;
    let format = match args.format {
        DiagramFormat::Svg => Format::Svg,
        DiagramFormat::Dot => Format::Dot,
        DiagramFormat::Mermaid => Format::Mermaid,
    };
    write_output(args.output.as_deref(), render(&p, format).as_bytes())?;
    Ok(exit::OK)
}
