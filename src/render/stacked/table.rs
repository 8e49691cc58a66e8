//! Tables without borders, set to the width: a report step's rows, and the tables of a run.

use textwrap::core::display_width;

use super::Marked;
use super::wrapping::wrap;
use crate::narrate;
use crate::render::text::Cell;
use crate::service::{Backend, Outcome};
use crate::trace::StepRecord;

/// A report step's tables, under its columns: one when the designs that answered agree,
/// else one per design, each headed by who answered with it.
pub(super) fn report_tables(record: &StepRecord, width: usize) -> Vec<Marked> {
    let mut answered: Vec<(Vec<Backend>, &crate::domain::Report)> = Vec::new();
    for result in &record.results {
        if let Outcome::Report { report, .. } = &result.outcome {
            match answered.iter_mut().find(|(_, r)| *r == report) {
                Some((backends, _)) => backends.push(result.backend),
                None => answered.push((vec![result.backend], report)),
            }
        }
    }
    let mut lines = Vec::new();
    for (backends, report) in answered {
        if report.rows.is_empty() {
            continue;
        }
        lines.push((None, String::new()));
        lines.extend(
            wrap(&narrate::report_answered_by(&backends), width)
                .into_iter()
                .map(|l| (None, l)),
        );
        let header: Vec<&str> = report.columns.iter().map(String::as_str).collect();
        let rows: Vec<Vec<Cell>> = report
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| crate::sanitize::clean(c).into())
                    .collect()
            })
            .collect();
        lines.extend(table(&header, &rows, width));
    }
    lines
}

/// A table without borders: columns two spaces apart when they fit the width; otherwise each
/// row as lines of `column value`, wrapped like any text, so no value is ever cut.
pub(crate) fn table(header: &[&str], rows: &[Vec<Cell>], width: usize) -> Vec<Marked> {
    let cell_width = |text: &str| text.lines().map(display_width).max().unwrap_or(0);
    let widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .filter_map(|row| row.get(i))
                .map(|c| cell_width(&c.text))
                .chain([display_width(h)])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let single_line = rows.iter().flatten().all(|c| !c.text.contains('\n'));
    let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    let mut out = Vec::new();
    if single_line && total <= width {
        let line = |cells: Vec<&str>| {
            let mut text = String::new();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                text.push_str(cell);
                text.push_str(&" ".repeat(w.saturating_sub(display_width(cell))));
            }
            text.trim_end().to_string()
        };
        out.push((None, line(header.to_vec())));
        out.push((
            None,
            line(
                widths
                    .iter()
                    .map(|w| "─".repeat(*w))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str)
                    .collect(),
            ),
        ));
        for row in rows {
            let mark = row.iter().find_map(|c| c.mark);
            out.push((mark, line(row.iter().map(|c| c.text.as_str()).collect())));
        }
        return out;
    }
    for row in rows {
        let mark = row.iter().find_map(|c| c.mark);
        let pairs: Vec<String> = header
            .iter()
            .zip(row)
            .filter(|(_, c)| !c.text.is_empty())
            .map(|(h, c)| format!("{h} {}", c.text.replace('\n', " ")))
            .collect();
        for (n, text) in wrap(&pairs.join(" · "), width.saturating_sub(2))
            .into_iter()
            .enumerate()
        {
            let lead = if n == 0 { "- " } else { "  " };
            out.push((mark, format!("{lead}{text}")));
        }
    }
    out
}
