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

pub mod app;
mod bench;
pub mod cli;
pub mod crud;
pub mod db;
pub mod domain;
pub mod es;
mod expect;
mod json;
pub mod live;
pub mod narrate;
pub mod pg;
pub mod render;
pub mod runner;
pub mod sanitize;
pub mod scenario;
pub mod service;
pub mod timeline;
pub mod trace;
mod verify;
pub mod workload;
