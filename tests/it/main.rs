//! eslab's end-to-end tests, as one test binary: each module a part of the product (the CLI,
//! the lessons, the live view, the browser page, the PostgreSQL room, …), sharing `common`.
//! One binary links the library once, instead of once per file.

mod common;

mod bad_input;
mod bench;
mod browser;
mod capabilities;
mod cli;
mod code_shape;
mod hostile_input;
mod input_sources;
mod layout;
mod lessons;
mod live;
mod live_screen;
mod one_voice;
mod postgres;
mod readme;
mod reliability;
mod replay;
mod reveal;
mod scale;
mod scenario_specs;
mod store_integrity;
mod verify;
mod view_rebuild;
mod workshop;
