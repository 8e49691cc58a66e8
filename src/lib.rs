//! eslab: the same orders through a CRUD row store and an event-sourced store, side by side.
//!
//! Layers: `domain` (pure rules) → `crud`, `es` (SQLite backends behind `service::OrderService`)
//! → `runner` (drives a `scenario`, records a `trace`) → `render` (table, JSON, markdown).

pub mod app;
pub mod bench;
pub mod cli;
pub mod crud;
pub mod db;
pub mod domain;
pub mod es;
pub mod expect;
pub mod narrate;
pub mod render;
pub mod runner;
pub mod scenario;
pub mod service;
pub mod trace;
pub mod verify;
pub mod workload;
