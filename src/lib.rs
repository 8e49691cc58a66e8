//! eslab: the same orders through a CRUD row store and an event-sourced store, side by side.
//!
//! The layers, each depending only on those above it:
//!
//! - `domain`: pure rules and data: orders, commands, events and their envelope
//!   (`StoredEvent`), the questions a step can ask, report folds (built in, or a
//!   projection defined as data in a scenario). No I/O.
//! - `db`, `service`: SQLite plumbing shared by the stores; the `OrderService` trait both
//!   designs implement and the typed facts they answer with (`Outcome`). No sentences.
//! - `crud`, `es`: the two designs on real SQLite; `pg`: the same two on a PostgreSQL
//!   server, a room per schema (`--store URL --room NAME`), through the engines `crud::Rows`
//!   and `es::Log` that both stores implement.
//! - `scenario`, `expect`, `runner`, `trace`, `timeline`: scenario files, their
//!   expectations, the run that drives both designs step by step (checking each step's
//!   expectations once), its record, and the record as per-step frames of both stores.
//! - `narrate`: facts into words and legend marks, once, for every output: a folder with a
//!   file per part. Each `Line` says its role (title, detail, attribute, …); renderers lay
//!   lines out from it and never reword or repair them. The typed errors of the layers above
//!   (`db::AlreadyExists`, `verify::Untrusted`) are worded here too, so flags are named only
//!   here and in `cli`.
//! - `render`: table, markdown, JSON, Mermaid, HTML; each takes its words from `narrate`, and
//!   every output of a run is a `RunSink` (begin / step / finish).
//! - `live`: `eslab live`, the steps one at a time with typed commands (full screen, or
//!   line by line from stdin); its words come from `narrate` and its blocks from `render`.
//! - `cli`, `app`: the command line (clap), resolved once into settings, and what each
//!   subcommand does (for a run: which sink).
//!
//! `sanitize` sits below them all: text from users' files made safe to print, used by every
//! layer that shows it.
//!
//! `verify`, `workload` and `bench` sit beside the runner: they read a log, generate a
//! scenario and measure both designs; what bench measures of the layers above it (the live
//! view's redraws) `app` passes in, so it imports none of them. `json` writes pretty JSON a
//! value at a time.

// The layers are private: what the binary and the tests use is re-exported below, so the
// compiler's `unreachable_pub` and dead-code lints see the rest.
#![warn(unreachable_pub)]

mod app;
mod bench;
mod cli;
mod crud;
mod db;
mod domain;
mod es;
mod expect;
mod json;
mod live;
mod narrate;
mod pg;
mod render;
mod runner;
mod sanitize;
mod scenario;
mod service;
mod timeline;
mod trace;
mod verify;
mod workload;

// The binary: its arguments, what each subcommand does, and its exit codes.
pub use app::{ERROR, SUCCESS, run};
pub use cli::Cli;
// What the main binary prints about an error, made safe to show.
pub use pg::redact;
pub use sanitize::clean_prose;

// Below the command line, for the tests: the domain's rules and data ...
pub use domain::event::{NewOrderEvent, OrderPaymentEvent};
pub use domain::report::{SumTooLarge, answer as answer_report};
pub use domain::{
    Actor, ChangeQuantity, Command, Deploy, Event, HistoryQuery, Metadata, Money, OrderId,
    OrderQuery, Pay, PlaceOrder, Question, Rejection, Report, ReportQuery, StoredEvent, Timestamp,
};
// ... the two designs and their stores, behind one trait ...
pub use crud::CrudStore;
pub use db::Location;
pub use es::row::{RawEvent, extension as event_extension};
pub use es::store::SCHEMA as EVENT_STORE_SCHEMA;
pub use es::{EventStore, OrderView, chain};
pub use pg::{PgLog, Store as PgStore};
pub use service::{
    Agreement, Backend, Caveat, CommandOutcome, Evidence, Inapplicable, OrderService, OrderState,
    Outcome, SnapshotFault, StepMark, StorageChange, Unanswerable,
};
// ... scenarios, the run that drives both designs, and its record ...
pub use runner::{Clock, EVENTS_FILE, Run, Services, StorageOptions, run as run_scenario};
pub use scenario::{
    Action, BUNDLED, DesignFlag, LoadedScenario, STREAM_ABOVE_BYTES, Scenario, ViewAction, bundled,
    load as load_scenario, read_file,
};
pub use trace::{HistorySpill, SCHEMA_VERSION, Trace};
pub use workload::Workload;
// ... and what people see: words, text, and the live view's model without a terminal.
pub use live::Session;
pub use live::keys::message as key_message;
pub use live::state::{App, Mode, Msg, RUN_AHEAD_STEPS};
pub use live::view::render as draw_live;
pub use narrate::{log_entry, order_state_line};
pub use render::stacked::{design_pane, wrap};
pub use render::{Format, Layout, MAX_HELD, Style, Width, run as render_text};
