//! eslab: the same orders through a CRUD row store and an event-sourced store, side by side.

pub mod domain;
