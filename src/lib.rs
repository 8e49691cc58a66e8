//! eslab: the same orders through a CRUD row store and an event-sourced store, side by side.

pub mod crud;
pub mod db;
pub mod domain;
pub mod es;
pub mod scenario;
pub mod service;
