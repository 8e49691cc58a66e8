//! The command line resolved once, before anything runs (as ripgrep's `HiArgs`): the colour,
//! whether stdout is a terminal, and per subcommand what its flags come to. Handlers read
//! these and decide nothing about arguments themselves.

use std::io::IsTerminal;

use crate::cli::{
    BackendChoice, ColorChoice, LayoutChoice, RoomArgs, RunArgs, StorageArgs, WorkloadArgs,
};
use crate::pg;
use crate::render::{self, DEFAULT_WIDTH, Format, Style, Width};
use crate::service::Backend;
use crate::workload::Workload;

/// What every subcommand shares.
#[derive(Debug, Clone, Copy)]
pub(super) struct Settings {
    /// Colour is decided once: `always`/`never` are final; `auto` colours only a terminal,
    /// and not when NO_COLOR is set and non-empty, or TERM is dumb.
    pub color: bool,
    /// Whether stdout is a terminal: the width follows it when none is given.
    pub terminal: bool,
}

impl Settings {
    pub(super) fn new(color: ColorChoice) -> Settings {
        let terminal = std::io::stdout().is_terminal();
        let color = match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
                    && terminal
            }
        };
        Settings { color, terminal }
    }

    /// How to print a report in `format`, `width` columns wide (the terminal's when not
    /// given, else `DEFAULT_WIDTH`).
    pub(super) fn style(&self, format: impl Into<Format>, width: Option<u16>) -> Style {
        let width = match width {
            Some(width) => Width::Fixed(width),
            None if self.terminal => Width::Terminal,
            None => Width::Fixed(DEFAULT_WIDTH),
        };
        Style {
            format: format.into(),
            width,
            color: self.color,
            layout: render::Layout::Wide,
        }
    }
}

/// `eslab run`, resolved.
pub(super) struct RunSettings {
    pub scenario: String,
    pub backends: Vec<Backend>,
    pub storage: StorageArgs,
    /// The format, width, colour and layout (wide or stacked) of the output.
    pub style: Style,
    /// `--step`: one block at a time, waiting for a key after each.
    pub step: bool,
}

impl RunSettings {
    pub(super) fn resolve(args: RunArgs, settings: &Settings) -> RunSettings {
        let mut style = settings.style(args.output.format, args.output.width);
        style.layout = match args.output.layout {
            Some(LayoutChoice::Wide) => render::Layout::Wide,
            Some(LayoutChoice::Stacked) => render::Layout::Stacked,
            // --step: one block a screen, whatever the width.
            None if args.step => render::Layout::Stacked,
            None => render::Layout::for_width(style.width.columns()),
        };
        RunSettings {
            scenario: args.scenario,
            backends: backends(args.backend),
            storage: args.storage,
            style,
            step: args.step,
        }
    }
}

/// The designs `--backend` runs, in the order every step runs them.
pub(super) fn backends(choice: BackendChoice) -> Vec<Backend> {
    match choice {
        BackendChoice::Both => vec![Backend::Crud, Backend::Es],
        BackendChoice::Crud => vec![Backend::Crud],
        BackendChoice::Es => vec![Backend::Es],
    }
}

pub(super) fn workload(args: &WorkloadArgs) -> Workload {
    Workload {
        orders: args.orders,
        changes: args.changes,
        seed: args.seed,
    }
}

/// The room `--store` and `--room` name, checked, if they name one.
pub(super) fn room_of(args: &RoomArgs) -> anyhow::Result<Option<pg::Store>> {
    match (&args.store, &args.room) {
        (Some(url), Some(room)) => Ok(Some(pg::Store::new(url, room)?)),
        _ => Ok(None),
    }
}
