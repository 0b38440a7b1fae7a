//! Terminal niceties: colour only on a terminal (and never with NO_COLOR), a progress bar that
//! appears only when work takes longer than a second.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// ANSI styling that switches itself off when output is not a terminal.
#[derive(Clone, Copy)]
pub struct Style {
    pub enabled: bool,
}

impl Style {
    pub fn for_stdout() -> Self {
        Style { enabled: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() }
    }

    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// The width of the line stdout prints on: the terminal's, else `COLUMNS` when set, else
/// unknown (a pipe or a file: nothing needs cutting to fit).
pub fn stdout_width() -> Option<usize> {
    if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(std::io::stdout()) {
        return Some(usize::from(w));
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok()).filter(|&w: &usize| w > 0)
}

/// A byte-counting progress bar, drawn on stderr only once work has taken a second, and only on
/// a terminal.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: bool,
    allowed: bool,
}

impl Progress {
    pub fn new(total_bytes: u64, disabled: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                // The file name goes last and is cut to the terminal width, so the bar never wraps.
                "{spinner} [{bar:24}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Progress { bar, started: Instant::now(), shown: false, allowed: !disabled && std::io::stderr().is_terminal() }
    }

    pub fn advance(&mut self, bytes: u64, message: &str) {
        self.bar.inc(bytes);
        if !self.shown && self.allowed && self.started.elapsed() > Duration::from_secs(1) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
            self.shown = true;
        }
        if self.shown {
            self.bar.set_message(message.to_string());
        }
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
