//! `eslab replay`: OrderView rebuilt from a stored log.

use serde::Serialize;

use super::history::state_row;
use super::{Doc, Style};
use crate::es::OrderView;
use crate::service::OrderState;
use crate::trace::SCHEMA_VERSION;

#[derive(Serialize)]
struct ReplayDocument {
    schema_version: u32,
    until: Option<u64>,
    checkpoint: Option<u64>,
    orders: Vec<OrderState>,
}

/// `eslab replay`: the states a view rebuilt from the log holds.
pub(crate) fn replay(view: &OrderView, until: Option<u64>, style: Style) -> String {
    let orders: Vec<OrderState> = view.orders().map(OrderState::versioned).collect();
    let mut doc = Doc::default();
    doc.heading(1, "OrderView rebuilt from the log");
    doc.text(match (until, view.checkpoint()) {
        (_, None) => "The log holds no events up to there: the view is empty.".to_string(),
        (Some(until), Some(checkpoint)) => {
            format!("Replayed every event up to {until}; the last one applied is {checkpoint}.")
        }
        (None, Some(checkpoint)) => {
            format!("Replayed the whole log; the last event applied is {checkpoint}.")
        }
    });
    if super::log::stacked(style) {
        let width = style.width.columns();
        doc.laid(
            orders
                .iter()
                .flat_map(|state| super::stacked::pack_parts(&record(state), "", width))
                .map(|line| (None, line))
                .collect(),
        );
    } else {
        state_table(&mut doc, &orders);
    }
    style.print(
        &doc,
        &ReplayDocument {
            schema_version: SCHEMA_VERSION,
            until,
            checkpoint: view.checkpoint(),
            orders,
        },
    )
}

/// One order: `A1 Bob: 6 × Book @ $10.00 = $60.00 · paid $60.00 · Paid · v3`, in parts
/// that are never split where they fit.
fn record(state: &OrderState) -> Vec<String> {
    let mut parts = vec![
        format!(
            "{} {}: {} × {} @ {} = {}",
            crate::sanitize::clean(state.order_id.as_str()),
            crate::sanitize::clean(&state.customer),
            state.quantity,
            crate::sanitize::clean(&state.product),
            state.unit_price,
            state.total,
        ),
        format!("paid {}", state.paid),
        state.status.to_string(),
    ];
    parts.extend(state.version.map(|v| format!("v{v}")));
    parts
}

fn state_table(doc: &mut Doc, orders: &[OrderState]) {
    let rows = orders
        .iter()
        .map(|state| {
            let mut row = vec![
                crate::sanitize::clean(state.order_id.as_str()),
                crate::sanitize::clean(&state.customer),
                crate::sanitize::clean(&state.product),
            ];
            row.extend(state_row(state));
            row
        })
        .collect();
    doc.table(
        &[
            "Order",
            "Customer",
            "Product",
            "Status",
            "Quantity",
            "Unit price",
            "Total",
            "Paid",
            "Version",
        ],
        rows,
    );
}
