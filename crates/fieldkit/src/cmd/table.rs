//! Plain aligned tables for the terminal: one line per row, untrusted cells made printable and
//! cut, the last column cut to what is left of the terminal's width.

use crate::cmd::printable;
use crate::term::Style;

/// The last column's cap when the width of the output is unknown (a pipe, a file).
const UNBOUNDED_LAST: usize = 400;
/// The last column never gets narrower than this, even on a narrow terminal.
const MIN_LAST: usize = 20;

pub struct Column {
    pub header: &'static str,
    /// Cells are cut to this many characters (not the last column: it gets what is left).
    pub max: usize,
    pub right: bool,
}

impl Column {
    pub const fn left(header: &'static str, max: usize) -> Self {
        Column { header, max, right: false }
    }

    pub const fn right(header: &'static str, max: usize) -> Self {
        Column { header, max, right: true }
    }
}

/// One cell: its text and, optionally, the ANSI code it is painted with on a terminal.
pub struct Cell {
    pub text: String,
    pub paint: Option<&'static str>,
}

impl Cell {
    pub fn new(text: impl AsRef<str>) -> Self {
        Cell { text: one_line(text.as_ref()), paint: None }
    }

    pub fn painted(text: impl AsRef<str>, code: &'static str) -> Self {
        Cell { text: one_line(text.as_ref()), paint: Some(code) }
    }
}

pub struct Table {
    columns: Vec<Column>,
    widths: Vec<usize>,
    indent: usize,
    /// Width of the whole line when known (the terminal's, or `COLUMNS`).
    line_width: Option<usize>,
    style: Style,
}

impl Table {
    pub fn new(columns: Vec<Column>, indent: usize, line_width: Option<usize>, style: Style) -> Self {
        let widths = columns.iter().map(|c| c.header.chars().count()).collect();
        Table { columns, widths, indent, line_width, style }
    }

    /// Widens the columns (never narrows them) to fit `rows`, each up to its column's cap (the
    /// last column has none).
    pub fn fit(&mut self, rows: &[Vec<Cell>]) {
        let last = self.columns.len().saturating_sub(1);
        for row in rows {
            for (i, cell) in row.iter().enumerate().take(self.columns.len()) {
                let len = cell.text.chars().count();
                let w = if i == last { len } else { len.min(self.columns[i].max) };
                self.widths[i] = self.widths[i].max(w);
            }
        }
    }

    pub fn header(&self) -> String {
        let cells: Vec<Cell> =
            self.columns.iter().map(|c| Cell { text: c.header.to_owned(), paint: Some("1") }).collect();
        self.row(&cells)
    }

    pub fn row(&self, cells: &[Cell]) -> String {
        let last = self.columns.len().saturating_sub(1);
        let mut line = " ".repeat(self.indent);
        let mut used = self.indent;
        for (i, cell) in cells.iter().enumerate().take(self.columns.len()) {
            if i > 0 {
                line.push_str("  ");
                used += 2;
            }
            if i == last {
                let room = self.line_width.map_or(UNBOUNDED_LAST, |w| w.saturating_sub(used).max(MIN_LAST));
                let text = cut(&cell.text, room);
                let text = if self.columns[i].right {
                    format!("{text:>width$}", width = self.widths[i].min(room))
                } else {
                    text
                };
                line.push_str(&self.paint(cell.paint, &text));
                break;
            }
            let width = self.widths[i];
            let text = cut(&cell.text, width);
            let padded = if self.columns[i].right { format!("{text:>width$}") } else { format!("{text:<width$}") };
            line.push_str(&self.paint(cell.paint, &padded));
            used += width;
        }
        let trimmed = line.trim_end().len();
        line.truncate(trimmed);
        line
    }

    fn paint(&self, code: Option<&str>, text: &str) -> String {
        match code {
            Some(code) if !text.trim().is_empty() => {
                // Paint the text, not the padding, so underlines and backgrounds stay tidy.
                let body = text.trim_end();
                format!("{}{}", self.style.paint(code, body), &text[body.len()..])
            }
            _ => text.to_owned(),
        }
    }
}

/// Untrusted text on one line: line breaks and tabs become spaces, other control characters
/// U+FFFD (see [`printable`]).
pub fn one_line(text: &str) -> String {
    let spaced: String = text.chars().map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    printable(&spaced).into_owned()
}

/// At most `max` characters, the last one `…` when something was cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else if max == 0 {
        String::new()
    } else {
        text.chars().take(max - 1).chain(std::iter::once('…')).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Style {
        Style { enabled: false }
    }

    #[test]
    fn rows_align_and_the_last_column_gets_the_rest_of_the_line() {
        let mut t =
            Table::new(vec![Column::left("A", 5), Column::right("N", 6), Column::left("MSG", 0)], 2, Some(40), plain());
        let rows = vec![
            vec![Cell::new("abcdefgh"), Cell::new("7"), Cell::new("x".repeat(50))],
            vec![Cell::new("ab"), Cell::new("1234"), Cell::new("line\nbreak\x1b[31m")],
        ];
        t.fit(&rows);
        assert_eq!(t.header(), "  A         N  MSG");
        assert_eq!(t.row(&rows[0]), format!("  abcd…     7  {}…", "x".repeat(24)));
        assert_eq!(t.row(&rows[1]), "  ab     1234  line break\u{fffd}[31m");
        // Unknown width: the last column is only capped.
        let t = Table::new(vec![Column::left("A", 5), Column::left("MSG", 0)], 0, None, plain());
        assert_eq!(t.row(&[Cell::new("a"), Cell::new("y".repeat(500))]).chars().count(), 1 + 2 + UNBOUNDED_LAST);
        // A right-aligned last column (numbers) lines up too.
        let mut t = Table::new(vec![Column::left("A", 5), Column::right("OFFSET", 0)], 0, None, plain());
        let rows = vec![vec![Cell::new("a"), Cell::new("7")], vec![Cell::new("b"), Cell::new("12345678")]];
        t.fit(&rows);
        assert_eq!([t.header(), t.row(&rows[0]), t.row(&rows[1])], ["A    OFFSET", "a         7", "b  12345678"]);
    }

    #[test]
    fn cutting_counts_characters() {
        assert_eq!(cut("héllo", 5), "héllo");
        assert_eq!(cut("héllo wörld", 5), "héll…");
        assert_eq!(cut("abc", 0), "");
    }
}
