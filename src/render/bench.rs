//! `eslab bench`: the measurements and the targets.

use super::text::Cell;
use super::{Doc, Style};
use crate::bench::BenchReport;
use crate::narrate::{self, Mark};
use crate::service::Backend;

/// `eslab bench`: the measurements, then the targets with their measured ratios.
pub(crate) fn bench(report: &BenchReport, style: Style) -> String {
    let mut doc = Doc::default();
    doc.heading(1, "What each design costs");
    doc.text(format!(
        "{} orders, each placed, changed {} times and paid: {} commands (seed {}){}.",
        report.orders,
        report.changes,
        report.commands,
        report.seed,
        if report.release_build {
            ""
        } else {
            ". DEBUG BUILD: these numbers mean little"
        }
    ));
    measurements(&mut doc, report);
    storage_and_memory(&mut doc, report);
    live_redraw(&mut doc, report);
    doc.heading(2, "Targets");
    targets(&mut doc, report);
    style.print(&doc, report)
}

/// A rate or a ratio: whole above 100, two decimals below.
fn number(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// What each phase measured, and the queries only the log answers.
fn measurements(doc: &mut Doc, report: &BenchReport) {
    doc.table(
        &["Phase", "Design", "Count", "Seconds", "Rate /s"],
        report
            .metrics
            .iter()
            .map(|m| {
                vec![
                    m.phase.to_string(),
                    m.design.to_string(),
                    format!("{} {}", m.count, m.unit),
                    format!("{:.3}", m.seconds),
                    number(m.rate),
                ]
            })
            .collect(),
    );
    doc.table(
        &["Query (event sourcing only)", "Count", "µs each"],
        report
            .latencies
            .iter()
            .map(|l| {
                vec![
                    l.query.to_string(),
                    l.count.to_string(),
                    number(l.microseconds_each),
                ]
            })
            .collect(),
    );
}

/// What each design keeps, on disk and in memory.
fn storage_and_memory(doc: &mut Doc, report: &BenchReport) {
    let s = &report.storage;
    let kib = |bytes: u64| format!("{:.0} KiB", bytes as f64 / 1024.0);
    doc.table(
        &[
            "Storage",
            narrate::design_name(Backend::Crud),
            narrate::design_name(Backend::Es),
        ],
        vec![
            vec![
                "kept".to_string(),
                format!("{} rows", s.crud_rows),
                format!("{} events", s.es_events),
            ],
            vec!["on disk".to_string(), kib(s.crud_bytes), kib(s.es_bytes)],
            vec![
                "bytes per order".to_string(),
                number(s.crud_bytes_per_order),
                number(s.es_bytes_per_order),
            ],
            vec![
                "pages written per command".to_string(),
                number(s.crud_pages_per_command),
                number(s.es_pages_per_command),
            ],
        ],
    );
    let peak = |bytes: Option<u64>, unit: &str, per: f64| {
        bytes.map_or("unknown".to_string(), |b| {
            format!("{:.0} {unit}", b as f64 / per)
        })
    };
    doc.text(format!(
        "Memory: peak resident {}; OrderView holds about {} bytes per order.",
        peak(report.memory.peak_rss_bytes, "MiB", 1048576.0),
        number(report.memory.view_bytes_per_order)
    ));
    if !report.memory.run_at_volume.is_empty() {
        let runs: Vec<String> = report
            .memory
            .run_at_volume
            .iter()
            .map(|run| {
                format!(
                    "{} steps peak {} at {} steps/s",
                    run.steps,
                    peak(run.peak_rss_bytes, "MB", 1e6),
                    number(run.steps_per_second)
                )
            })
            .collect();
        doc.text(format!(
            "eslab run --format json at volume (a fresh process each, output discarded): {}.",
            runs.join("; ")
        ));
    }
}

/// The live view's time from a key press to a drawn screen.
fn live_redraw(doc: &mut Doc, report: &BenchReport) {
    let live = &report.live_redraw;
    doc.table(
        &[
            "Live view (80 × 24): key press → drawn screen",
            "Steps",
            "Presses",
            "Median ms",
            "Worst ms",
        ],
        vec![vec![
            "eslab live, the smaller generated scenario".to_string(),
            live.steps.to_string(),
            live.presses.to_string(),
            format!("{:.2}", live.median_ms),
            format!("{:.2}", live.worst_ms),
        ]],
    );
}

/// Each target, what was measured against it, and whether it was met.
fn targets(doc: &mut Doc, report: &BenchReport) {
    doc.table(
        &["Target", "Measured", "Required", "Met"],
        report
            .targets
            .iter()
            .map(|t| {
                // The pages a command writes explain the NORMAL ratio: shown beside it.
                let name = match t.pages_per_command {
                    Some(pages) => format!(
                        "{}\n(pages written per command: ES {}, CRUD {})",
                        t.name,
                        number(pages.es),
                        number(pages.crud)
                    ),
                    None => t.name.to_string(),
                };
                vec![
                    Cell::from(name),
                    number(t.measured).into(),
                    format!(
                        "{} {}",
                        if t.at_most { "≤" } else { "≥" },
                        number(t.required)
                    )
                    .into(),
                    if t.met {
                        Cell::new("✓ yes", Mark::Held)
                    } else {
                        Cell::new("✘ no", Mark::Failed)
                    },
                ]
            })
            .collect(),
    );
}
