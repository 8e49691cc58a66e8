//! The command line, as clap sees it. Definitions only: the work is in `app`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "eslab",
    version,
    about = "Run the same orders through a CRUD row store and an event-sourced store, side by side",
    after_help = "Start with `eslab run` (Bob's order), then `eslab scenarios`."
)]
pub struct Cli {
    /// When to colour tables: auto colours only a terminal, and honours NO_COLOR and TERM=dumb
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario through both designs and show every step, both state histories and a summary
    #[command(after_help = crate::narrate::LEGEND)]
    Run(RunArgs),
    /// Step through a scenario on both designs and type commands between steps: full screen on a
    /// terminal, otherwise one command per line of stdin
    #[command(after_help = LIVE_HELP)]
    Live(LiveArgs),
    /// Compare the states the two designs answer after every step (exit 1 when they differ)
    Diff(DiffArgs),
    /// List the bundled scenarios
    Scenarios(OutputArgs),
    /// List the reports a `report` step can build after the fact
    Reports(OutputArgs),
    /// Print a bundled scenario's JSON, to copy and edit
    Show {
        /// A bundled scenario's name (see `eslab scenarios`); with --handout, a scenario file too
        name: String,
        /// Leave out the answers: each step's note and what it expects, so a room can write down
        /// its predictions as the steps' `expect` before it runs them
        #[arg(long)]
        handout: bool,
    },
    /// Validate scenario files without running them
    Check {
        /// Scenario files (or bundled names)
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Print the event log stored in a --db-dir folder (exit 1, naming the first bad event, when
    /// the log fails `eslab verify`, unless --trust)
    Log {
        #[command(flatten)]
        at: LogPlaceArgs,
        /// Print the log even if it fails `eslab verify` (edited, deleted or moved events, a
        /// missing trigger); the check is skipped
        #[arg(long)]
        trust: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check the stored event log: ids, versions, payloads, triggers, hash chain, replay
    /// (exit 1 naming the first bad event)
    Verify {
        #[command(flatten)]
        at: LogPlaceArgs,
        /// The head hash written down earlier (all of it, or its first 12 characters or more):
        /// exit 1 unless the log still ends there, which shows the last events deleted or the
        /// whole chain rewritten
        #[arg(long, value_name = "HASH", value_parser = head_hash)]
        expect_head: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Measure what each design costs on this machine, next to its floor, with the targets
    Bench(BenchArgs),
    /// Print a generated scenario (every order placed, changed, paid) as JSON
    Generate {
        #[command(flatten)]
        workload: WorkloadArgs,
    },
    /// Rebuild OrderView from the log stored in a --db-dir folder and print its states (exit 1,
    /// naming the first bad event, when the log fails `eslab verify`, unless --trust)
    Replay {
        #[command(flatten)]
        at: LogPlaceArgs,
        /// Replay the log even if it fails `eslab verify` (edited, deleted or moved events, a
        /// missing trigger); the check is skipped
        #[arg(long)]
        trust: bool,
        /// Replay only the events up to this event id (inclusive)
        #[arg(long, value_name = "EVENT_ID")]
        until: Option<u64>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Rooms on a PostgreSQL server, where everyone's commands go to the same two designs:
    /// make one and print the line attendees type to join it, or play the late-reader lesson
    Room {
        #[command(subcommand)]
        action: RoomAction,
    },
    /// Print a completion script for a shell to stdout (see the README for where to put it)
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print eslab's man page (roff) to stdout: `eslab man > eslab.1`
    Man {
        /// Instead, write a page for eslab and one for each subcommand (eslab-run.1, …) into DIR
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A bundled scenario's name or a scenario file's path
    #[arg(default_value = "bob")]
    pub scenario: String,
    /// Which designs to run
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    pub backend: BackendChoice,
    /// Pause after each step until Enter (needs a terminal)
    #[arg(long)]
    pub step: bool,
    #[command(flatten)]
    pub output: RunOutputArgs,
    #[command(flatten)]
    pub storage: StorageArgs,
}

const LIVE_HELP: &str = "\
Commands (typed after `:` on the screen, or one per line of stdin; the `:` is optional):
  place A1 Bob Book 5 10      change A1 6      change A1 7 @1 (the version read)
  pay A1 60                   cancel A1 changed my mind
  query A1    query A1 @2002 (as of an event)    history A1
  crash       rebuild         report revenue-per-customer
  save FILE   (everything run so far, as a scenario file `eslab run FILE` replays)";

#[derive(Debug, Args)]
pub struct LiveArgs {
    /// A bundled scenario's name or a scenario file's path: its steps come first
    #[arg(default_value = "bob", conflicts_with = "empty")]
    pub scenario: String,
    /// Start with no steps: only the commands typed
    #[arg(long)]
    pub empty: bool,
    /// Before each new step runs, ask what each design will do (applied, rejected, cannot answer), then reveal it and keep a score (needs a terminal)
    #[arg(long)]
    pub predict: bool,
    /// Only show the room's log and rows as they grow, read-only: the instructor's screen
    /// (needs --store, --room and a terminal)
    #[arg(long, requires = "store", conflicts_with_all = ["predict", "empty"])]
    pub watch: bool,
    /// Width of the printed blocks without a terminal (default: 120)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A bundled scenario's name or a scenario file's path
    #[arg(default_value = "bob")]
    pub scenario: String,
    #[command(flatten)]
    pub output: DiffOutputArgs,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(flatten)]
    pub workload: WorkloadArgs,
    /// Commands in the synchronous=FULL phase, where each commit waits for the disk (in 5 rounds)
    #[arg(long, value_name = "N", default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub full_commands: u64,
    /// Snapshot OrderView every K events when measuring rebuilds from snapshots
    #[arg(long, value_name = "K", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(2..))]
    pub snapshot_every: u64,
    /// Steps of the smaller generated scenario `eslab run` is timed on, in whole orders of ten (the larger has ten times as many)
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(10..=1_000_000))]
    pub run_steps: u64,
    /// Steps of the larger generated scenario `eslab run` is measured on at volume, for time and peak memory, over N/100 orders (the smaller has a tenth of the steps over the same orders); 0 leaves it out
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(0..=10_000_000))]
    pub volume_steps: u64,
    /// Keep the benchmark's databases in this folder (new subfolders only); default: a temporary folder
    #[arg(long, value_name = "DIR")]
    pub db_dir: Option<PathBuf>,
    /// Instead, measure a room on this PostgreSQL server: commands per second with 1, 4 and 16
    /// writers, both designs, beside a bare INSERT (as a user allowed to create schemas; a
    /// scratch room is made and dropped)
    #[arg(long, value_name = "URL", conflicts_with = "db_dir")]
    pub store: Option<String>,
    /// The scratch room --store measures in (it must not exist)
    #[arg(long, value_name = "NAME", default_value = "bench", requires = "store")]
    pub room: String,
    /// Commands each writer runs, with --store
    #[arg(long, value_name = "N", default_value_t = 500, requires = "store", value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub store_commands: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct WorkloadArgs {
    /// Orders in the workload
    #[arg(long, value_name = "N", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub orders: u64,
    /// Quantity changes per order, between placing and paying it
    #[arg(long, value_name = "M", default_value_t = 8, value_parser = clap::value_parser!(u64).range(0..=1_000))]
    pub changes: u64,
    /// Seed of the generated prices and quantities
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// How `eslab run` prints: it alone can draw a diagram.
#[derive(Debug, Args)]
pub struct RunOutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RunFormat::Table)]
    pub format: RunFormat,
    /// Table width in columns (default: the terminal's, or 120 when not on a terminal)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
    /// Steps as one wide table, or stacked: one block per step that fits the width (default:
    /// stacked below 120 columns)
    #[arg(long, value_enum)]
    pub layout: Option<LayoutChoice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutChoice {
    Stacked,
    Wide,
}

/// How `eslab diff` prints: it can also draw its page.
#[derive(Debug, Args)]
pub struct DiffOutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
    /// Table width in columns (default: the terminal's, or 120 when not on a terminal)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
}

/// How every other report prints.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Table width in columns (default: the terminal's, or 120 when not on a terminal)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(40..))]
    pub width: Option<u16>,
}

/// The formats of `eslab run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    Table,
    Json,
    Markdown,
    /// A Mermaid sequence diagram
    Mermaid,
    /// One self-contained HTML page with a time scrubber: `> run.html`, open it offline
    Html,
}

/// The formats of `eslab diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
    /// One self-contained HTML page, opening at the first divergence
    Html,
}

impl From<DiffFormat> for Format {
    fn from(format: DiffFormat) -> Format {
        match format {
            DiffFormat::Table => Format::Table,
            DiffFormat::Json => Format::Json,
            DiffFormat::Markdown => Format::Markdown,
            DiffFormat::Html => Format::Html,
        }
    }
}

/// The formats of the reports other than `eslab run` and `eslab diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
}

impl From<RunFormat> for Format {
    fn from(format: RunFormat) -> Format {
        match format {
            RunFormat::Table => Format::Table,
            RunFormat::Json => Format::Json,
            RunFormat::Markdown => Format::Markdown,
            RunFormat::Mermaid => Format::Mermaid,
            RunFormat::Html => Format::Html,
        }
    }
}

impl From<ReportFormat> for Format {
    fn from(format: ReportFormat) -> Format {
        match format {
            ReportFormat::Table => Format::Table,
            ReportFormat::Json => Format::Json,
            ReportFormat::Markdown => Format::Markdown,
        }
    }
}

/// Where `log`, `replay` and `verify` find a stored log: a folder, or a room on a server.
#[derive(Debug, Args)]
pub struct LogPlaceArgs {
    /// The folder a run kept its databases in (`eslab run --db-dir DIR`)
    #[arg(long, value_name = "DIR", required_unless_present = "store")]
    pub db_dir: Option<PathBuf>,
    #[command(flatten)]
    pub room: RoomArgs,
}

/// A room on a PostgreSQL server, where a command finds both designs instead of in SQLite.
#[derive(Debug, Args)]
pub struct RoomArgs {
    /// Both designs in a room on a PostgreSQL server instead of SQLite:
    /// postgres://user@host:port/database (a password in it is never shown)
    #[arg(
        long,
        value_name = "URL",
        env = "ESLAB_STORE",
        hide_env_values = true,
        conflicts_with = "db_dir",
        requires = "room"
    )]
    pub store: Option<String>,
    /// The room on --store's server (`eslab room create` makes it)
    #[arg(long, value_name = "NAME", env = "ESLAB_ROOM", requires = "store")]
    pub room: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum RoomAction {
    /// Create a room: a schema with both designs' tables, the log's append-only trigger, and
    /// the role attendees join as (it may append to the log, never change it)
    Create {
        /// The server, as a user allowed to create schemas and roles:
        /// postgres://user@host:port/database (a password in it is never shown)
        #[arg(value_name = "URL", env = "ESLAB_STORE", hide_env_values = true)]
        url: String,
        /// The room's name: lowercase letters, digits and _, starting with a letter
        #[arg(long, value_name = "NAME")]
        room: String,
    },
    /// Show, on the server, why a reader that remembers "the last id I saw" skips an event
    /// when ids are given out of commit order (a sequence), and how a room's ids avoid it
    LateReader {
        /// The server, as a user allowed to create schemas:
        /// postgres://user@host:port/database (a password in it is never shown)
        #[arg(value_name = "URL", env = "ESLAB_STORE", hide_env_values = true)]
        url: String,
        /// The scratch room the lesson plays in, made for it and dropped after it (it must not
        /// exist)
        #[arg(long, value_name = "NAME", default_value = "late_reader")]
        room: String,
    },
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("kept").args(["db_dir", "store"])))]
pub struct StorageArgs {
    /// Keep the databases as files in this folder (crud.sqlite3, events.sqlite3); default: in memory
    #[arg(long, value_name = "DIR")]
    pub db_dir: Option<PathBuf>,
    /// Carry on from the databases already in --db-dir instead of refusing to touch them; a log
    /// that fails `eslab verify` is refused (exit 1, naming the first bad event) unless --trust
    #[arg(long = "continue", requires = "kept")]
    pub resume: bool,
    /// With --continue, carry on from a log that fails `eslab verify`; the check is skipped
    #[arg(long, requires = "resume")]
    pub trust: bool,
    /// Give CRUD a version column and `UPDATE … WHERE version = ?`, so it refuses stale writes too
    #[arg(long)]
    pub crud_locking: bool,
    #[command(flatten)]
    pub room: RoomArgs,
    /// Who issues the commands that do not say `by` (default: the scenario's `by`), as the
    /// events and rows record it: your name, in a room
    #[arg(long = "as", value_name = "NAME")]
    pub attendee: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Both,
    Crud,
    Es,
}

/// A head hash as `verify` prints it, or its first 12 hexadecimal characters or more.
fn head_hash(text: &str) -> Result<String, String> {
    let text = text.trim();
    if !(12..=64).contains(&text.len()) || !text.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(
            "a head hash is 12 to 64 hexadecimal characters, as `eslab verify` prints it".into(),
        );
    }
    Ok(text.to_ascii_lowercase())
}
