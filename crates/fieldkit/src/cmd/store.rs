//! `fieldkit store stats`: what a store holds, and how far its inputs have been read.

use anyhow::Result;

use crate::cli::{ListFormat, StoreArgs, StoreCommand};
use crate::cmd::events::{Reader, push_rows};
use crate::cmd::table::{Cell, Column, Table, one_line};
use crate::cmd::write_output;
use crate::exit;
use crate::term::{Style, stdout_width};

pub fn run(args: StoreArgs) -> Result<u8> {
    match args.command {
        StoreCommand::Stats { store: opt, format } => {
            // A SQLite file, or a shared PostgreSQL store (`postgres://...`; the password may
            // come from PGPASSWORD).
            let mut store = Reader::open(&opt.store)?;
            let (stats, version, positions, label) =
                (store.stats()?, store.schema_version()?, store.all_positions()?, store.describe());
            let out = match format {
                ListFormat::Json => serde_json::to_string_pretty(&stats)? + "\n",
                ListFormat::Text => {
                    let style = Style::for_stdout();
                    let mut s = format!(
                        "{} {}\n",
                        style.bold("fieldkit store"),
                        style.dim(&format!("· {} · schema version {}", one_line(&label), version))
                    );
                    s.push_str(&format!("  monitoring summaries  {:>12}\n", stats.monitoring));
                    s.push_str(&format!("  dead letters          {:>12}\n", stats.dead_letter));
                    s.push_str(&format!("  input positions       {:>12}\n", stats.input_position));
                    s.push_str(&format!(
                        "\n{} {}\n",
                        style.bold("Input positions"),
                        style.dim("(next offset to read: everything before it is stored)")
                    ));
                    if positions.is_empty() {
                        s.push_str("  None stored yet.\n");
                    } else {
                        let mut table = Table::new(
                            vec![
                                Column::left("SOURCE", 32),
                                Column::left("TOPIC", 64),
                                Column::right("PARTITION", 10),
                                Column::right("NEXT OFFSET", 0),
                            ],
                            2,
                            stdout_width(),
                            style,
                        );
                        let rows: Vec<Vec<Cell>> = positions
                            .iter()
                            .map(|(source, p)| {
                                vec![
                                    Cell::new(source),
                                    Cell::new(&p.topic),
                                    Cell::new(p.partition.to_string()),
                                    Cell::new(p.next_offset.to_string()),
                                ]
                            })
                            .collect();
                        table.fit(&rows);
                        push_rows(&mut s, &table, &rows);
                    }
                    s
                }
            };
            write_output(None, out.as_bytes())?;
            Ok(exit::OK)
        }
    }
}
