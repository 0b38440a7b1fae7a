//! `fieldkit events` and `fieldkit events top`: looking at the monitoring summaries in a store,
//! once, live (`--follow`), or as the current picture.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use fieldkit_events::State;
use fieldkit_logs::{SourceZone, format_utc_millis, parse_cli_time};
use fieldkit_store::pg::is_postgres_url;
use fieldkit_store::{EventFilter, PgStore, PgTarget, Store, StoreError, StoredEvent, Top, TopQuery};

use crate::cli::{EventsArgs, EventsCommand, EventsListArgs, ListFormat, TopArgs, parse_duration};
use crate::cmd::table::{Cell, Column, Table, one_line};
use crate::cmd::write_output;
use crate::exit;
use crate::term::{Style, stdout_width};

/// Rows `--follow` reads per query; a full batch is followed at once by the next one.
const FOLLOW_BATCH: usize = 1000;

pub fn run(args: EventsArgs) -> Result<u8> {
    match args.command {
        Some(EventsCommand::Top(top)) => run_top(top),
        None => run_list(args.list),
    }
}

/// Now, from the system clock, in epoch milliseconds: the libraries take it as data.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Where summaries are read from: the embedded SQLite file, or a shared PostgreSQL store
/// (`--store postgres://…`, written by a `postgres` sink). `events` and `store` read through it.
pub(crate) enum Reader {
    Sqlite(Store),
    Postgres(Box<PgStore>),
}

impl Reader {
    /// Opens the store `--store` names; a SQLite file must already exist.
    pub(crate) fn open(store: &Path) -> Result<Reader, StoreError> {
        match store.to_str().filter(|s| is_postgres_url(s)) {
            Some(url) => Ok(Reader::Postgres(Box::new(PgStore::connect(&PgTarget::parse(url)?)?))),
            None => Store::open_existing(store).map(Reader::Sqlite),
        }
    }

    fn events(&mut self, filter: &EventFilter) -> Result<Vec<StoredEvent>, StoreError> {
        match self {
            Reader::Sqlite(s) => s.events(filter),
            Reader::Postgres(p) => p.events(filter),
        }
    }

    fn events_after(&mut self, filter: &EventFilter, after_id: i64) -> Result<Vec<StoredEvent>, StoreError> {
        match self {
            Reader::Sqlite(s) => s.events_after(filter, after_id),
            Reader::Postgres(p) => p.events_after(filter, after_id),
        }
    }

    fn last_event_id(&mut self) -> Result<i64, StoreError> {
        match self {
            Reader::Sqlite(s) => s.last_event_id(),
            Reader::Postgres(p) => p.last_event_id(),
        }
    }

    fn top(&mut self, q: &TopQuery) -> Result<Top, StoreError> {
        match self {
            Reader::Sqlite(s) => s.top(q),
            Reader::Postgres(p) => p.top(q),
        }
    }

    pub(crate) fn stats(&mut self) -> Result<fieldkit_store::Stats, StoreError> {
        match self {
            Reader::Sqlite(s) => s.stats(),
            Reader::Postgres(p) => p.stats(),
        }
    }

    pub(crate) fn schema_version(&mut self) -> Result<i64, StoreError> {
        match self {
            Reader::Sqlite(s) => s.schema_version(),
            Reader::Postgres(p) => p.schema_version(),
        }
    }

    pub(crate) fn all_positions(&mut self) -> Result<Vec<(String, fieldkit_store::InputPosition)>, StoreError> {
        match self {
            Reader::Sqlite(s) => s.all_positions(),
            Reader::Postgres(p) => p.all_positions(),
        }
    }

    /// For messages: the file's path, or the URL without its password.
    pub(crate) fn describe(&self) -> String {
        match self {
            Reader::Sqlite(s) => s.path().display().to_string(),
            Reader::Postgres(p) => p.target().redacted(),
        }
    }
}

fn style() -> Style {
    Style::for_stdout()
}

fn state_paint(state: State) -> &'static str {
    match state {
        State::Critical => "1;31",
        State::Warning => "1;33",
        State::Unknown => "35",
        State::Ok => "32",
    }
}

/// `--since` / `--until`: an absolute time (RFC 3339, or a local time in `zone`), or a duration
/// before `now_ms` (`15m`, `2h`, `1d`).
fn parse_time(flag: &str, text: &str, zone: &SourceZone, now_ms: i64) -> Result<i64> {
    if let Some(ms) = parse_cli_time(text, zone) {
        return Ok(ms);
    }
    // A bare number is not taken as a duration here: it would too easily be meant as a date.
    if text.trim().bytes().any(|b| b.is_ascii_alphabetic())
        && let Ok(ago) = parse_duration(text)
    {
        let ago = i64::try_from(ago.as_millis()).unwrap_or(i64::MAX);
        return Ok(now_ms.saturating_sub(ago));
    }
    bail!(
        "{flag}: cannot read {text:?} as a time: use RFC 3339 (2026-03-14T09:00:00Z), 'YYYY-MM-DD HH:MM[:SS]', \
         or a duration ago (15m, 2h, 1d)"
    )
}

fn filter(args: &EventsListArgs) -> Result<EventFilter> {
    let zone = SourceZone::parse(&args.tz)?;
    let now = now_ms();
    let since = args.since.as_deref().map(|t| parse_time("--since", t, &zone, now)).transpose()?;
    let until = args.until.as_deref().map(|t| parse_time("--until", t, &zone, now)).transpose()?;
    if let (Some(since), Some(until)) = (since, until)
        && since > until
    {
        bail!("--since is after --until: nothing could match");
    }
    let mut states: Vec<State> = args.state.iter().map(|&s| s.into()).collect();
    states.sort_by(|a, b| b.cmp(a));
    states.dedup();
    Ok(EventFilter {
        tenant: args.tenant.clone(),
        environment: args.environment.clone(),
        node: args.node.clone(),
        check: args.check.clone(),
        states,
        since_ms: since,
        until_ms: until,
        limit: (args.limit > 0).then_some(args.limit),
    })
}

fn store_path(args: &EventsListArgs) -> Result<&Path> {
    args.store.as_deref().context("--store PATH is required")
}

fn run_list(args: EventsListArgs) -> Result<u8> {
    let filter = filter(&args)?;
    if args.follow {
        return follow(&args, filter);
    }
    let mut store = Reader::open(store_path(&args)?)?;
    let events = store.events(&filter)?;
    let out = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&events)? + "\n",
        ListFormat::Text if events.is_empty() => {
            let total = store.stats()?.monitoring;
            if total == 0 {
                "No events: the store holds no monitoring summaries yet.\n".to_owned()
            } else {
                format!("No events match (the store holds {total} monitoring summaries).\n")
            }
        }
        ListFormat::Text => {
            let mut table = event_table(style());
            let rows: Vec<Vec<Cell>> = events.iter().map(event_row).collect();
            table.fit(&rows);
            let mut s = String::new();
            push_rows(&mut s, &table, &rows);
            if filter.limit == Some(events.len()) {
                s.push_str(&style().dim(&format!("(the newest {}; --limit N or 0 for more)", events.len())));
                s.push('\n');
            }
            s
        }
    };
    write_output(None, out.as_bytes())?;
    Ok(exit::OK)
}

fn event_table(style: Style) -> Table {
    Table::new(
        vec![
            Column::left("TIME (UTC)", 24),
            Column::left("TENANT", 20),
            Column::left("ENV", 14),
            Column::left("NODE", 24),
            Column::left("CHECK", 24),
            Column::left("STATE", 8),
            Column::left("PREVIOUS", 8),
            Column::left("MESSAGE", 0),
        ],
        0,
        stdout_width(),
        style,
    )
}

fn event_row(e: &StoredEvent) -> Vec<Cell> {
    let ev = &e.event;
    vec![
        Cell::new(format_utc_millis(ev.event_time_ms)),
        Cell::new(&ev.tenant),
        Cell::new(&ev.environment),
        Cell::new(&ev.node),
        Cell::new(&ev.check),
        Cell::painted(ev.state.as_str(), state_paint(ev.state)),
        Cell::painted(ev.previous_state.map_or("-", State::as_str), "2"),
        Cell::new(ev.message.as_deref().unwrap_or("")),
    ]
}

/// Prints to stdout as rows arrive; a closed pipe (`| head`) ends following quietly.
struct Printer {
    json: bool,
    table: Table,
    header_done: bool,
}

impl Printer {
    fn print(&mut self, events: &[StoredEvent]) -> io::Result<()> {
        let mut buf = String::new();
        if self.json {
            for e in events {
                buf.push_str(&serde_json::to_string(e).map_err(io::Error::other)?);
                buf.push('\n');
            }
        } else {
            let rows: Vec<Vec<Cell>> = events.iter().map(event_row).collect();
            self.table.fit(&rows);
            if !self.header_done {
                buf.push_str(&self.table.header());
                buf.push('\n');
                self.header_done = true;
            }
            for row in &rows {
                buf.push_str(&self.table.row(row));
                buf.push('\n');
            }
        }
        if buf.is_empty() {
            return Ok(());
        }
        let mut stdout = io::stdout().lock();
        stdout.write_all(buf.as_bytes())?;
        stdout.flush()
    }
}

/// `--follow`: the current page, oldest first, then every new matching summary as it is
/// stored, until interrupted. A store that does not exist yet is waited for.
fn follow(args: &EventsListArgs, filter: EventFilter) -> Result<u8> {
    let path = store_path(args)?;
    let interval = args.interval;
    let mut printer =
        Printer { json: args.format == ListFormat::Json, table: event_table(style()), header_done: false };
    let mut announced = false;
    let mut store = loop {
        match Reader::open(path) {
            Ok(store) => break store,
            Err(e) if e.is_absent() || e.is_retryable() => {
                if !announced {
                    let what = if e.is_absent() { "to be created" } else { "to be free" };
                    eprintln!("fieldkit: waiting for store {} {what} (Ctrl-C to stop)", path.display());
                    announced = true;
                }
                std::thread::sleep(interval);
            }
            Err(e) => return Err(e.into()),
        }
    };
    if announced {
        eprintln!("fieldkit: store {} is there, following", path.display());
    }
    // Rows stored before `cursor` are shown only if they are in the first page; rows after it
    // exactly once, either in the page (stored while it was read) or as they come.
    let cursor_at_start = retry_busy(interval, || store.last_event_id())?;
    let mut page = retry_busy(interval, || store.events(&filter))?;
    page.reverse();
    let mut already_shown: HashSet<i64> = page.iter().map(|e| e.id).filter(|&id| id > cursor_at_start).collect();
    if !printer.json && page.is_empty() {
        eprintln!("fieldkit: no matching events yet; waiting for new ones (Ctrl-C to stop)");
    }
    if emit(&mut printer, &page)? {
        return Ok(exit::OK);
    }
    let mut cursor = cursor_at_start;
    let batch_filter = EventFilter { limit: Some(FOLLOW_BATCH), ..filter };
    loop {
        let batch = retry_busy(interval, || store.events_after(&batch_filter, cursor))?;
        let full = batch.len() == FOLLOW_BATCH;
        if let Some(last) = batch.last() {
            cursor = last.id;
        }
        let new: Vec<StoredEvent> = batch.into_iter().filter(|e| !already_shown.remove(&e.id)).collect();
        if emit(&mut printer, &new)? {
            return Ok(exit::OK);
        }
        if !full {
            std::thread::sleep(interval);
        }
    }
}

/// Prints; `Ok(true)` when stdout was closed and following should end.
fn emit(printer: &mut Printer, events: &[StoredEvent]) -> Result<bool> {
    match printer.print(events) {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(e).context("writing to stdout"),
    }
}

/// Runs a read, waiting out a busy store (another connection checkpointing or migrating).
fn retry_busy<T>(interval: Duration, mut read: impl FnMut() -> Result<T, StoreError>) -> Result<T> {
    loop {
        match read() {
            Err(e) if e.is_retryable() => std::thread::sleep(interval),
            other => return Ok(other?),
        }
    }
}

fn run_top(args: TopArgs) -> Result<u8> {
    let window_ms = i64::try_from(args.window.as_millis()).unwrap_or(i64::MAX);
    if window_ms <= 0 {
        bail!("--window must be longer than 0 (e.g. 15m, 1h)");
    }
    let mut store = Reader::open(&args.store.store)?;
    let limit = if args.limit == 0 { usize::MAX } else { args.limit };
    let top = store.top(&TopQuery { now_ms: now_ms(), window_ms, limit })?;
    let out = match args.format {
        ListFormat::Json => serde_json::to_string_pretty(&top)? + "\n",
        ListFormat::Text => top_text(&top, style()),
    };
    write_output(None, out.as_bytes())?;
    Ok(exit::OK)
}

/// `3600000` → `1h`, `5400000` → `1h30m`, `1500` → `1s500ms`.
pub fn format_duration(ms: i64) -> String {
    if ms <= 0 {
        return "0s".to_owned();
    }
    let mut rest = ms;
    let mut out = String::new();
    for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// Appends the header and `rows` (already fitted).
pub fn push_rows(s: &mut String, table: &Table, rows: &[Vec<Cell>]) {
    s.push_str(&table.header());
    s.push('\n');
    for row in rows {
        s.push_str(&table.row(row));
        s.push('\n');
    }
}

fn top_text(top: &Top, style: Style) -> String {
    let width = stdout_width();
    let window = format_duration(top.window_ms);
    let mut s = String::new();
    s.push_str(&format!(
        "{} {}\n\n",
        style.bold("fieldkit events top"),
        style.dim(&format!("· now {} · window {window}", format_utc_millis(top.now_ms)))
    ));

    let (critical, warning) = top.alerting.iter().fold((0, 0), |(c, w), t| (c + t.critical, w + t.warning));
    s.push_str(&format!(
        "{} {}\n",
        style.bold("Alerting now"),
        style.dim("(checks whose latest state is CRITICAL or WARNING)")
    ));
    if top.alerting.is_empty() {
        s.push_str(&format!("  {}\n", style.paint("1;32", "Nothing is CRITICAL or WARNING.")));
    } else {
        s.push_str(&format!("  {critical} critical, {warning} warning, in {} tenant(s)\n", top.alerting.len()));
    }
    // One table for every tenant, so the columns line up from one tenant to the next.
    let mut table = Table::new(
        vec![
            Column::left("STATE", 8),
            Column::left("LAST SEEN (UTC)", 24),
            Column::left("ENV", 14),
            Column::left("NODE", 24),
            Column::left("CHECK", 24),
            Column::left("ALARM", 24),
            Column::left("MESSAGE", 0),
        ],
        4,
        width,
        style,
    );
    let per_tenant: Vec<Vec<Vec<Cell>>> = top
        .alerting
        .iter()
        .map(|tenant| {
            tenant
                .checks
                .iter()
                .map(|c| {
                    vec![
                        Cell::painted(c.state.as_str(), state_paint(c.state)),
                        Cell::new(format_utc_millis(c.event_time_ms)),
                        Cell::new(&c.environment),
                        Cell::new(&c.node),
                        Cell::new(&c.check),
                        Cell::new(c.alarm.as_deref().unwrap_or("-")),
                        Cell::new(c.message.as_deref().unwrap_or("")),
                    ]
                })
                .collect()
        })
        .collect();
    for rows in &per_tenant {
        table.fit(rows);
    }
    for (tenant, rows) in top.alerting.iter().zip(&per_tenant) {
        s.push_str(&format!(
            "\n  {} {}\n",
            style.bold(&one_line(&tenant.tenant)),
            style.dim(&format!("· {} critical, {} warning", tenant.critical, tenant.warning))
        ));
        push_rows(&mut s, &table, rows);
        let more = (tenant.critical + tenant.warning).saturating_sub(tenant.checks.len() as u64);
        if more > 0 {
            s.push_str(&format!("    {}\n", style.dim(&format!("… and {more} more (--limit)"))));
        }
    }

    s.push_str(&format!(
        "\n{} {}\n",
        style.bold("Noisiest checks"),
        style.dim(&format!("(events in the last {window})"))
    ));
    if top.noisiest.is_empty() {
        s.push_str(&format!("  No events in the last {window}.\n"));
    } else {
        let mut table = Table::new(
            vec![
                Column::right("EVENTS", 10),
                Column::right("NOT OK", 10),
                Column::left("TENANT", 20),
                Column::left("ENV", 14),
                Column::left("NODE", 24),
                Column::left("CHECK", 0),
            ],
            2,
            width,
            style,
        );
        let rows: Vec<Vec<Cell>> = top
            .noisiest
            .iter()
            .map(|n| {
                vec![
                    Cell::new(n.events.to_string()),
                    Cell::new(n.not_ok.to_string()),
                    Cell::new(&n.tenant),
                    Cell::new(&n.environment),
                    Cell::new(&n.node),
                    Cell::new(&n.check),
                ]
            })
            .collect();
        table.fit(&rows);
        push_rows(&mut s, &table, &rows);
    }

    s.push_str(&format!(
        "\n{} {}\n",
        style.bold("State changes"),
        style.dim(&format!("(last {window}, newest first)"))
    ));
    if top.changes.is_empty() {
        s.push_str(&format!("  No state changes in the last {window}.\n"));
    } else {
        let mut table = Table::new(
            vec![
                Column::left("TIME (UTC)", 24),
                Column::left("TENANT", 20),
                Column::left("ENV", 14),
                Column::left("NODE", 24),
                Column::left("CHECK", 24),
                Column::left("FROM", 8),
                Column::left("TO", 8),
                Column::left("MESSAGE", 0),
            ],
            2,
            width,
            style,
        );
        let rows: Vec<Vec<Cell>> = top
            .changes
            .iter()
            .map(|c| {
                vec![
                    Cell::new(format_utc_millis(c.event_time_ms)),
                    Cell::new(&c.tenant),
                    Cell::new(&c.environment),
                    Cell::new(&c.node),
                    Cell::new(&c.check),
                    match c.from {
                        Some(from) => Cell::painted(from.as_str(), state_paint(from)),
                        None => Cell::painted("(new)", "2"),
                    },
                    Cell::painted(c.to.as_str(), state_paint(c.to)),
                    Cell::new(c.message.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        table.fit(&rows);
        push_rows(&mut s, &table, &rows);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_back() {
        assert_eq!(format_duration(3_600_000), "1h");
        assert_eq!(format_duration(5_400_000), "1h30m");
        assert_eq!(format_duration(1_500), "1s500ms");
        assert_eq!(format_duration(86_400_000 * 2), "2d");
    }

    #[test]
    fn times_are_absolute_or_ago() {
        let utc = SourceZone::default();
        let now = 1_700_000_000_000;
        assert_eq!(parse_time("--since", "2h", &utc, now).unwrap(), now - 7_200_000);
        assert_eq!(parse_time("--since", "2023-11-14T22:13:20Z", &utc, now).unwrap(), now);
        let berlin = SourceZone::parse("+01:00").unwrap();
        assert_eq!(parse_time("--since", "2023-11-14 23:13:20", &berlin, now).unwrap(), now);
        let err = parse_time("--until", "yesterday", &utc, now).unwrap_err().to_string();
        assert!(err.starts_with("--until: cannot read \"yesterday\" as a time"), "{err}");
        assert!(parse_time("--since", "1700000000", &utc, now).is_err());
    }
}
