//! Command-line interface definitions. Help texts teach: each says what the command is for, and
//! the long help shows examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "fieldkit",
    version,
    about = "Plan, test, run and support Apache Kafka / Confluent Platform — fully offline.",
    long_about = "fieldkit is a toolkit for the people who deploy, run and support Kafka / Confluent Platform.\n\
It works fully offline: the playbook, templates and report assets are inside the binary.\n\n\
Start with `fieldkit triage <bundle>` on a support bundle (directory, .tar.gz, .zip or a single log).",
    after_help = "Exit codes: 0 nothing at warning or above · 1 findings at warning or above (or lint problems) · 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Diagnose a log bundle against the playbook of known Kafka issues.
    Triage(TriageArgs),
    /// Mine log templates: what kinds of message a file or bundle holds, how often, since when.
    Patterns(PatternsArgs),
    /// Redact a file, directory or archive consistently before it is shared.
    Redact(RedactArgs),
    /// List, show and lint playbook rules.
    Rules(RulesArgs),
    /// Look at the monitoring summaries in a store: filter, follow live, or `events top` for the current picture.
    Events(EventsArgs),
    /// Inspect a fieldkit store: `store stats` counts what it holds.
    Store(StoreArgs),
    /// Run an ingest pipeline (sources → transforms → sinks) from a TOML config until its sources
    /// end or Ctrl-C / SIGTERM, then drain what is in flight.
    Run(RunArgs),
    /// Check a pipeline config without touching files or the network; errors point at line:column.
    Validate(ValidateArgs),
    /// The platform model of a cp-ansible inventory and/or a directory of *.properties files.
    Inventory(InventoryArgs),
    /// Security and production-readiness checks of a cp-ansible inventory or *.properties files.
    Check(CheckArgs),
    /// Size a cluster from a workload: brokers (and the binding resource), controllers, partitions,
    /// disk, network, memory — each figure with its formula and published source.
    Size(Box<SizeArgs>),
    /// Draw the platform as a layered architecture diagram (SVG, Graphviz DOT or Mermaid).
    Diagram(DiagramArgs),
    /// Write a monitoring package for a cp-ansible inventory: Prometheus scrape config and alert
    /// rules, an Alertmanager routing example, Grafana dashboards.
    Monitoring(MonitoringArgs),
    /// Customer documents from an inventory: security overview, production-readiness review, FAQ
    /// (Markdown or printable HTML; templates overridable).
    Docs(DocsArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = "Example: fieldkit completions bash > /etc/bash_completion.d/fieldkit")]
    Completions { shell: clap_complete::Shell },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Markdown,
    Html,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum MinSeverity {
    Info,
    Warning,
    Error,
    Critical,
}

/// Options shared by every command that opens a bundle.
#[derive(Args, Debug, Clone)]
pub struct BundleOpts {
    /// Zone of timestamps written without an offset: UTC, +02:00, or an IANA name (Europe/Berlin).
    #[arg(long, default_value = "UTC", value_name = "ZONE", allow_hyphen_values = true)]
    pub tz: String,
    /// Largest total size extracted from archives, in bytes (suffixes K, M, G accepted).
    #[arg(long, default_value = "32G", value_name = "SIZE", value_parser = parse_size)]
    pub max_bundle_size: u64,
    /// Never draw a progress bar (it is only drawn on a terminal, after a second of work).
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit triage support-bundle.tar.gz\n  \
fieldkit triage ./bundle --format html -o report.html\n  \
fieldkit triage ./bundle --min-severity error --since '2026-03-14 09:00' --format json | jq '.findings[].id'\n  \
fieldkit triage ./bundle --rules ./site-rules --redact --key-file site.key --format markdown")]
pub struct TriageArgs {
    /// Bundle to read: a directory, .tar.gz/.tgz/.tar, .zip, or a single log file.
    pub bundle: PathBuf,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report only findings at this severity or above.
    #[arg(long, value_enum, default_value_t = MinSeverity::Info)]
    pub min_severity: MinSeverity,
    /// Only records at or after this time (RFC 3339, or 'YYYY-MM-DD HH:MM[:SS]' in --tz).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only records at or before this time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Add rules from every *.yaml / *.yml in this directory (repeatable); same id replaces a built-in rule.
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Redact evidence, paths and host names in the report (consistent pseudonyms; see `fieldkit redact`).
    #[arg(long)]
    pub redact: bool,
    /// Key for --redact pseudonyms; created on first use.
    #[arg(long, value_name = "FILE", default_value = "fieldkit-redact.key", requires = "redact")]
    pub key_file: PathBuf,
    #[command(flatten)]
    pub bundle_opts: BundleOpts,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit patterns server.log\n  \
fieldkit patterns ./bundle --format json --top 50\n  \
fieldkit patterns messages.txt --raw --assignments assignments.csv")]
pub struct PatternsArgs {
    /// A log file, a directory or an archive.
    pub input: PathBuf,
    /// Treat every input line as a bare message: no header parsing, no multi-line records.
    #[arg(long)]
    pub raw: bool,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Show at most this many templates (0 = all).
    #[arg(long, default_value_t = 0)]
    pub top: usize,
    /// Write `line,template` for every input line to this CSV (`file,line,template` for several files).
    #[arg(long, value_name = "OUT.csv")]
    pub assignments: Option<PathBuf>,
    #[command(flatten)]
    pub bundle_opts: BundleOpts,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit redact ./bundle -o ./bundle-redacted --map-file private-map.json\n  \
fieldkit redact bundle.tar.gz -o redacted.tar.gz --keyword acme --regex 'cust-[0-9]+'\n  \
fieldkit redact --reverse host-3f9a1c.example --map-file private-map.json\n\n\
The key file makes pseudonyms consistent across runs: keep it, and the map file, private.")]
pub struct RedactArgs {
    /// A file, directory or archive (.tar.gz/.tgz/.tar/.zip).
    #[arg(required_unless_present = "reverse")]
    pub input: Option<PathBuf>,
    /// Where to write: a directory (keeps the layout), a single file for a single-file input, or a
    /// .tar.gz archive.
    #[arg(long, short = 'o', value_name = "OUTPUT", required_unless_present = "reverse")]
    pub output: Option<PathBuf>,
    /// The HMAC key for pseudonyms; created (mode 0600) on first use.
    #[arg(long, value_name = "FILE", default_value = "fieldkit-redact.key")]
    pub key_file: PathBuf,
    /// Write the private reverse mapping (token → original) here, merged with what it holds.
    #[arg(long, value_name = "FILE")]
    pub map_file: Option<PathBuf>,
    /// Also redact this word wherever it appears, case-insensitively (repeatable).
    #[arg(long, value_name = "WORD")]
    pub keyword: Vec<String>,
    /// Also redact whatever this regular expression matches (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub regex: Vec<String>,
    /// Look TOKEN up in --map-file and print the original value.
    #[arg(long, value_name = "TOKEN", requires = "map_file", conflicts_with = "input")]
    pub reverse: Option<String>,
    /// Overwrite OUTPUT if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub bundle_opts: BundleOpts,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
FIELDKIT_INPUT=notifications.ndjson fieldkit run --config examples/monitoring-file.toml\n  \
fieldkit run --config pipeline.toml --status-interval 5s\n\n\
Config values may use ${VAR} and ${VAR:-default}. Input positions are committed with the data, so\n\
a pipeline killed at any moment resumes where its last commit ended: nothing lost, nothing twice.\n\
Exit codes: 0 every record read was stored, written, filtered or dead-lettered · 2 error, or records\n\
no sink could deliver (their positions were not advanced: a restart reads them again).")]
pub struct RunArgs {
    /// The pipeline config (TOML).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
    /// How often to print the one-line status on stderr (e.g. 10s, 1m; 0 = never). Overrides
    /// the config's `[pipeline] status_interval_ms` (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub status_interval: Option<std::time::Duration>,
    /// Print the final counters as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Example:\n  fieldkit validate --config examples/monitoring-file.toml")]
pub struct ValidateArgs {
    /// The pipeline config (TOML).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// List rules: id, severity, category, title.
    List {
        /// Only rules of this category.
        #[arg(long)]
        category: Option<String>,
        /// Include rules from these directories.
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show one rule in full: match patterns, diagnosis, remediation, examples.
    Show {
        id: String,
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print the literal fragments the one-pass prefilter searches for, one per line (what
    /// `rg -F -f` would need to find the same candidate lines; used by scripts/bench-triage).
    Literals {
        #[arg(long, value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Check rule files: YAML, fields, regexes, and that each example fires its rule (exit 1 on problems).
    Lint {
        /// Directory of rule files; without it the built-in playbook is checked.
        dir: Option<PathBuf>,
    },
}

/// The store a command reads (`fieldkit run` fills it).
#[derive(Args, Debug, Clone)]
pub struct StoreOpt {
    /// The fieldkit store: a SQLite file (a pipeline's `store` sink) or a `postgres://…` URL (a
    /// `postgres` sink; the password may come from PGPASSWORD).
    #[arg(long, value_name = "PATH", env = "FIELDKIT_STORE")]
    pub store: PathBuf,
}

/// Health states, as `--state` accepts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    Critical,
    Warning,
    Unknown,
    Ok,
}

impl From<StateArg> for fieldkit_events::State {
    fn from(s: StateArg) -> Self {
        match s {
            StateArg::Critical => fieldkit_events::State::Critical,
            StateArg::Warning => fieldkit_events::State::Warning,
            StateArg::Unknown => fieldkit_events::State::Unknown,
            StateArg::Ok => fieldkit_events::State::Ok,
        }
    }
}

#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_long_help = "Examples:\n  \
fieldkit events --store fieldkit.db\n  \
fieldkit events --store fieldkit.db --tenant 487439 --state critical,warning --since 2h\n  \
fieldkit events --store fieldkit.db --node kafka-3 --since '2026-03-14 09:00' --tz Europe/Berlin\n  \
fieldkit events --store fieldkit.db --follow --state critical\n  \
fieldkit events --store fieldkit.db --follow --format json | jq -c 'select(.tenant == \"487439\")'\n  \
fieldkit events top --store fieldkit.db --window 30m\n\n\
Times are event times, shown in UTC. --since is inclusive, --until exclusive. --store may also come\n\
from FIELDKIT_STORE, and may be a postgres://user@host/db URL. The store is filled by `fieldkit run`."
)]
pub struct EventsArgs {
    #[command(subcommand)]
    pub command: Option<EventsCommand>,
    #[command(flatten)]
    pub list: EventsListArgs,
}

#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// The current picture: checks CRITICAL / WARNING per tenant, the noisiest checks, recent state changes.
    #[command(after_long_help = "Examples:\n  \
fieldkit events top --store fieldkit.db\n  \
fieldkit events top --store fieldkit.db --window 15m --limit 5\n  \
fieldkit events top --store fieldkit.db --format json | jq '.alerting[] | {tenant, critical}'\n\n\
Alerting checks are those whose latest summary is CRITICAL or WARNING, however old; the noisiest\n\
checks and the state changes cover the window before now (the system clock).")]
    Top(TopArgs),
}

#[derive(Args, Debug)]
pub struct EventsListArgs {
    /// The fieldkit store: a SQLite file (a pipeline's `store` sink) or a `postgres://…` URL (a
    /// `postgres` sink; the password may come from PGPASSWORD).
    // An Option only so that `events top` (which has its own) parses; clap requires it here.
    #[arg(long, value_name = "PATH", env = "FIELDKIT_STORE", required = true)]
    pub store: Option<PathBuf>,
    /// Only this tenant (exact match).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only this environment (exact match).
    #[arg(long)]
    pub environment: Option<String>,
    /// Only this node (exact match).
    #[arg(long)]
    pub node: Option<String>,
    /// Only this check (exact match).
    #[arg(long)]
    pub check: Option<String>,
    /// Only these states (comma-separated or repeated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATE", ignore_case = true)]
    pub state: Vec<StateArg>,
    /// Only events at or after this time: RFC 3339, 'YYYY-MM-DD HH:MM[:SS]' in --tz, or a duration ago (15m, 2h, 1d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Zone of --since/--until times written without an offset: UTC, +02:00, or an IANA name.
    #[arg(long, default_value = "UTC", value_name = "ZONE", allow_hyphen_values = true)]
    pub tz: String,
    /// Show at most this many events, the newest (0 = all).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Keep running: print new events as they are stored, until Ctrl-C. Waits for a store that does not exist yet.
    /// The first page is printed oldest first, like `tail -f`; JSON becomes one object per line.
    #[arg(long)]
    pub follow: bool,
    /// How often --follow looks for new events (e.g. 500ms, 2s).
    #[arg(long, default_value = "500ms", value_name = "DURATION", value_parser = parse_interval, requires = "follow")]
    pub interval: std::time::Duration,
}

#[derive(Args, Debug)]
pub struct TopArgs {
    #[command(flatten)]
    pub store: StoreOpt,
    /// How far back the noisiest checks and state changes reach (e.g. 15m, 1h, 1d).
    #[arg(long, default_value = "1h", value_name = "DURATION", value_parser = parse_duration)]
    pub window: std::time::Duration,
    /// Rows per list (alerting checks: per tenant).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Args, Debug)]
pub struct StoreArgs {
    #[command(subcommand)]
    pub command: StoreCommand,
}

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Counts per kind of record (monitoring summaries, dead letters) and the stored input positions.
    #[command(after_long_help = "Examples:\n  \
fieldkit store stats --store fieldkit.db\n  \
fieldkit store stats --store fieldkit.db --format json | jq .dead_letter\n  \
fieldkit store stats --store 'postgres://fieldkit@db:5432/fieldkit?schema=fieldkit'\n\n\
JSON: {\"monitoring\": N, \"dead_letter\": N, \"input_position\": N}. The text form also lists the input\n\
positions: per source, topic and partition, the next offset to read (everything before it is stored).")]
    Stats {
        #[command(flatten)]
        store: StoreOpt,
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

/// `500ms`, `30s`, `15m`, `2h`, `1d`, or combinations such as `1h30m`; a bare number is seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let err = || format!("{text:?} is not a duration like 500ms, 30s, 15m, 2h or 1d");
    let t = text.trim();
    if t.is_empty() {
        return Err(err());
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let mut total_ms: u64 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit_len = rest[digits..].bytes().take_while(u8::is_ascii_alphabetic).count();
        if digits == 0 || unit_len == 0 {
            return Err(err());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| err())?;
        let unit_ms: u64 = match &rest[digits..digits + unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(err()),
        };
        total_ms = n.checked_mul(unit_ms).and_then(|v| total_ms.checked_add(v)).ok_or_else(err)?;
        rest = &rest[digits + unit_len..];
    }
    Ok(std::time::Duration::from_millis(total_ms))
}

/// A --follow polling interval: a duration of at least 10 ms, so following never spins.
fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(text)?;
    if d < std::time::Duration::from_millis(10) {
        return Err(format!("{text:?} is too short: poll at most every 10ms"));
    }
    Ok(d)
}

/// `512M`, `32G`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (num, mult) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .map(|n| n.saturating_mul(mult))
        .map_err(|_| format!("{text:?} is not a size like 512M or 32G"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        use std::time::Duration;
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        for bad in ["", "h", "1x", "1h 2m", "-1h", "1.5h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert!(parse_interval("5ms").is_err());
        assert!(parse_interval("0").is_err());
    }

    #[test]
    fn events_subcommand_does_not_need_the_list_arguments() {
        let cli = Cli::try_parse_from(["fieldkit", "events", "top", "--store", "s.db"]).unwrap();
        assert!(matches!(cli.command, Command::Events(EventsArgs { command: Some(EventsCommand::Top(_)), .. })));
        let cli =
            Cli::try_parse_from(["fieldkit", "events", "--store", "s.db", "--state", "critical,WARNING"]).unwrap();
        let Command::Events(events) = cli.command else { panic!("not events") };
        assert_eq!(events.list.state, [StateArg::Critical, StateArg::Warning]);
        assert!(Cli::try_parse_from(["fieldkit", "events", "--store", "s.db", "top"]).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("32g"), Ok(32 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("lots").is_err());
    }
}

#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(subcommand)]
    pub command: InventoryCommand,
}

#[derive(Subcommand, Debug)]
pub enum InventoryCommand {
    /// Print the model: components, hosts with their groups, listeners, security, exporters, data dirs.
    #[command(after_long_help = "Examples:\n  \
fieldkit inventory show hosts.yml\n  \
fieldkit inventory show hosts.yml --properties ./etc-kafka --format json | jq '.hosts[\"kafka-1\"].groups'")]
    Show(ModelInput),
}

/// What a platform model is read from.
#[derive(Args, Debug)]
pub struct ModelInput {
    /// A cp-ansible inventory (YAML), or a directory of *.properties files (server.properties, …).
    pub input: PathBuf,
    /// Also read the *.properties files of this directory (with an inventory as INPUT).
    #[arg(long, value_name = "DIR")]
    pub properties: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Markdown,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit check hosts.yml\n  \
fieldkit check /etc/kafka --format sarif -o fieldkit.sarif\n  \
fieldkit check hosts.yml --min-severity error --format json | jq '.findings[].id'\n\n\
Exit codes: 0 no finding at --min-severity or above · 1 such findings · 2 error.")]
pub struct CheckArgs {
    /// A cp-ansible inventory (YAML), a *.properties file, or a directory of *.properties files.
    pub input: PathBuf,
    /// Also read the *.properties files of this directory (with an inventory as INPUT).
    #[arg(long, value_name = "DIR")]
    pub properties: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Report and fail (exit 1) on findings at this severity or above.
    #[arg(long, value_enum, default_value_t = MinSeverity::Warning)]
    pub min_severity: MinSeverity,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SizeFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AcksArg {
    #[value(name = "0")]
    Zero,
    #[value(name = "1")]
    One,
    All,
}

/// A retention: a duration such as `7d`, `168h`, `36h30m`; a bare number is hours.
fn parse_retention_hours(text: &str) -> Result<f64, String> {
    if let Ok(h) = text.trim().parse::<f64>() {
        return if h >= 0.0 { Ok(h) } else { Err(format!("{text:?}: retention must be ≥ 0")) };
    }
    parse_duration(text).map(|d| d.as_secs_f64() / 3600.0)
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit size --produce-mb-s 200 --consumer-groups 3 --retention 7d --instance m7g.4xlarge\n  \
fieldkit size --messages-per-s 500000 --avg-message-bytes 800 --compression-ratio 3 --disk-tb 8 --format markdown\n  \
fieldkit size --input workload.yaml --check hosts.yml        # exit 1 when the layout is short\n  \
fieldkit size --list-instances\n\n\
Flags override the YAML file. Units: MB = 10^6 bytes, TB = 10^12 bytes, Gbps = 125 MB/s.\n\
Exit codes: 0 sized (and, with --check, the layout is enough) · 1 the layout is short · 2 error.")]
pub struct SizeArgs {
    /// A workload YAML file (keys as in `--format json`'s `inputs`; see examples/sizing/workload.yaml).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Peak produce throughput, MB/s of application bytes (before compression).
    #[arg(long, value_name = "MB/S")]
    pub produce_mb_s: Option<f64>,
    /// Peak messages per second (with --avg-message-bytes when --produce-mb-s is not given).
    #[arg(long, value_name = "N")]
    pub messages_per_s: Option<f64>,
    #[arg(long, value_name = "BYTES")]
    pub avg_message_bytes: Option<f64>,
    /// Consumer groups reading everything (fan-out). Default 1.
    #[arg(long, value_name = "N")]
    pub consumer_groups: Option<u32>,
    /// Consumers in the largest group (a partitions-per-topic floor).
    #[arg(long, value_name = "N")]
    pub consumers_per_group: Option<u32>,
    /// Retention: 7d, 168h, … (a bare number is hours). Default 7d.
    #[arg(long, value_parser = parse_retention_hours, value_name = "DURATION")]
    pub retention: Option<f64>,
    /// Replication factor. Default 3.
    #[arg(long, visible_alias = "rf", value_name = "N")]
    pub replication_factor: Option<u32>,
    /// min.insync.replicas. Default 2.
    #[arg(long, value_name = "N")]
    pub min_isr: Option<u32>,
    /// Topics the throughput spreads over. Default 1.
    #[arg(long, value_name = "N")]
    pub topics: Option<u32>,
    /// Partitions per topic floor for keys / ordering.
    #[arg(long, value_name = "N")]
    pub min_partitions: Option<u32>,
    #[arg(long, value_enum)]
    pub acks: Option<AcksArg>,
    /// Producers without idempotence (it is on by default since Kafka 3.0).
    #[arg(long)]
    pub no_idempotence: bool,
    /// Transactions / exactly-once processing.
    #[arg(long)]
    pub exactly_once: bool,
    /// Uncompressed / compressed bytes (e.g. 4 for 4:1). Default 1.
    #[arg(long, value_name = "RATIO")]
    pub compression_ratio: Option<f64>,
    /// Share of every resource kept free, percent. Default 30.
    #[arg(long, value_name = "PCT")]
    pub headroom: Option<f64>,
    /// Produce MB/s one partition sustains (Confluent's p). Default 10.
    #[arg(long, value_name = "MB/S")]
    pub partition_produce_mb_s: Option<f64>,
    /// Consume MB/s one partition sustains for your consumer (Confluent's c). Default 10.
    #[arg(long, value_name = "MB/S")]
    pub partition_consume_mb_s: Option<f64>,
    /// Racks / availability zones. Default 3.
    #[arg(long, value_name = "N")]
    pub racks: Option<u32>,
    /// KRaft controller failures to survive (1 → 3 voters, 2 → 5).
    #[arg(long, value_name = "N")]
    pub controller_failures: Option<u32>,
    /// A cloud instance preset (m5.*, m7g.*, n2-standard-*); see --list-instances.
    #[arg(long, value_name = "NAME")]
    pub instance: Option<String>,
    /// Data disk per broker, TB.
    #[arg(long, value_name = "TB")]
    pub disk_tb: Option<f64>,
    /// Sustained disk throughput per broker, MB/s.
    #[arg(long, value_name = "MB/S")]
    pub disk_mb_s: Option<f64>,
    /// NIC bandwidth per broker, Gbps (each direction).
    #[arg(long, value_name = "GBPS")]
    pub nic_gbps: Option<f64>,
    #[arg(long, value_name = "N")]
    pub cores: Option<u32>,
    #[arg(long, value_name = "GB")]
    pub ram_gb: Option<f64>,
    /// Partition replicas one broker should carry.
    #[arg(long, value_name = "N")]
    pub max_partitions_per_broker: Option<u32>,
    /// Compare this inventory's layout (brokers, racks, controllers) with the requirement; exit 1 when short.
    #[arg(long, value_name = "INVENTORY")]
    pub check: Option<PathBuf>,
    /// With --check: also read the *.properties files of this directory.
    #[arg(long, value_name = "DIR")]
    pub properties: Option<PathBuf>,
    /// Print the instance presets and their published figures, then exit.
    #[arg(long)]
    pub list_instances: bool,
    #[arg(long, short = 'f', value_enum, default_value_t = SizeFormat::Text)]
    pub format: SizeFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    /// A standalone SVG with fieldkit's own layout (no Graphviz needed).
    Svg,
    /// Graphviz DOT (`dot -Tpng`, `dot -Tsvg`).
    Dot,
    /// A Mermaid `flowchart TB` (Markdown in GitHub / GitLab, mermaid.live).
    Mermaid,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Layers, top to bottom: KRaft controllers / ZooKeeper, brokers by rack, clients and \
platform services (Schema Registry, Connect and ksqlDB clusters, REST Proxy, Replicator), Control Center and \
metrics exporters. Edges carry the listener and its security; PLAINTEXT / HTTP is drawn red and dashed.\n\n\
Examples:\n  \
fieldkit diagram hosts.yml -o platform.svg\n  \
fieldkit diagram hosts.yml --format dot | dot -Tpng -o platform.png\n  \
fieldkit diagram ./etc-kafka --format mermaid >> README.md\n\n\
Exit codes: 0 written · 2 error (unreadable input).")]
pub struct DiagramArgs {
    /// A cp-ansible inventory (YAML), a *.properties file, or a directory of *.properties files.
    pub input: PathBuf,
    /// Also read the *.properties files of this directory (with an inventory as INPUT).
    #[arg(long, value_name = "DIR")]
    pub properties: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = DiagramFormat::Svg)]
    pub format: DiagramFormat,
    /// Write the diagram to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The metric names the hosts' JMX exporter rule file produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MonitoringDialect {
    /// Confluent's jmx-monitoring-stacks rules (what cp-ansible's `jmxexporter_enabled` installs).
    Confluent,
    /// Strimzi's kafka-metrics.yaml rules.
    Strimzi,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit monitoring hosts.yml -o ./monitoring\n  \
fieldkit monitoring hosts.yml -o ./monitoring --dialect strimzi --force\n  \
promtool check config ./monitoring/prometheus/prometheus.yml\n\n\
Writes prometheus/prometheus.yml, prometheus/alert-rules.yml, alertmanager/alertmanager.yml,\n\
blackbox/blackbox.yml (when TLS is on) and grafana/*.json.\n\
Exit codes: 0 written · 2 error (unreadable input, non-empty output directory without --force).")]
pub struct MonitoringArgs {
    /// A cp-ansible inventory (YAML).
    pub input: PathBuf,
    /// Also read the *.properties files of this directory.
    #[arg(long, value_name = "DIR")]
    pub properties: Option<PathBuf>,
    /// The directory to write the package into (created; must be empty unless --force).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: PathBuf,
    #[arg(long, value_enum, default_value_t = MonitoringDialect::Confluent)]
    pub dialect: MonitoringDialect,
    /// Write into a non-empty directory, replacing the package's files.
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocsKind {
    /// Topology, listeners, authentication, authorization, encryption, findings, accepted deviations; how each control works.
    Security,
    /// Production-readiness review: the same plus known issues, escalation chain, contacts, sign-offs.
    Readiness,
    /// Questions and answers generated from the findings, listeners, controls and the check catalogue.
    Faq,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocsFormat {
    Markdown,
    Html,
}

#[derive(Args, Debug)]
#[command(after_long_help = "Examples:\n  \
fieldkit docs security hosts.yml --engagement engagement.yaml --format html -o security.html\n  \
fieldkit docs readiness hosts.yml --properties ./etc-kafka -o readiness.md\n  \
fieldkit docs faq hosts.yml --templates ./my-templates\n\n\
Templates: security|readiness|faq.md.j2 / .html.j2, layout.html.j2, macros.md.j2, macros.html.j2; a file of the same\n\
name in --templates DIR replaces the built-in one (context variables: docs/platform.md#documents).\n\
Example engagement file: examples/engagement.yaml.\n\n\
Exit codes: 0 written · 2 error (unreadable or invalid inventory, engagement or template).")]
pub struct DocsArgs {
    /// Which document.
    #[arg(value_enum)]
    pub kind: DocsKind,
    /// A cp-ansible inventory (YAML), a *.properties file, or a directory of *.properties files.
    pub input: PathBuf,
    /// Also read the *.properties files of this directory (with an inventory as INPUT).
    #[arg(long, value_name = "DIR")]
    pub properties: Option<PathBuf>,
    /// Engagement details (customer, contacts, escalation, sign-offs, accepted deviations, known issues).
    #[arg(long, value_name = "FILE.yaml")]
    pub engagement: Option<PathBuf>,
    #[arg(long, short = 'f', value_enum, default_value_t = DocsFormat::Markdown)]
    pub format: DocsFormat,
    /// A directory of templates replacing the built-in ones of the same name.
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Write the document to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}
