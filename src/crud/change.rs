//! What a write does to the `orders` row and the change it records: the INSERT of a new row,
//! or the UPDATE of one in place with the columns it replaced, the reason it overwrote and
//! who and when it wrote over.

use super::engine::RowsTx;
use super::{REASON_COLUMN, as_answered};
use crate::domain::{Metadata, Money, Order};
use crate::service::{ColumnChange, ColumnValue, StorageChange};

/// Inserts the order's first row; `None` if another writer's row with its id is there
/// already (committed since this one read).
pub(super) fn insert(
    tx: &mut impl RowsTx,
    new: &Order,
    locking: bool,
    metadata: Option<&Metadata>,
) -> anyhow::Result<Option<StorageChange>> {
    if !tx.insert(new, locking)? {
        return Ok(None);
    }
    // Who and when go on the new row too.
    if let Some(metadata) = metadata {
        tx.set_written(&new.order_id, metadata)?;
    }
    Ok(Some(StorageChange::Insert {
        table: "orders",
        row: as_answered(new, locking),
    }))
}

/// Updates the order's row from `old` to `new`; with `locking`, only if it is still at the
/// version read (`None` if another writer moved it on). The change's `reason` goes in
/// `REASON_COLUMN`, and who and when (`metadata`) over whoever wrote the row before.
pub(super) fn update(
    tx: &mut impl RowsTx,
    old: &Order,
    new: &Order,
    locking: bool,
    reason: Option<&String>,
    metadata: Option<&Metadata>,
) -> anyhow::Result<Option<StorageChange>> {
    let order_id = &new.order_id;
    // The guard that holds even against another process: only the version read.
    let Some(written) = tx.update_written(new, locking.then_some(old.version), metadata)? else {
        return Ok(None);
    };
    let mut changes = changed_columns(old, new, locking);
    if let Some(reason) = reason {
        let before = tx.reason(order_id)?;
        tx.set_reason(order_id, reason)?;
        if before != *reason {
            changes.push(ColumnChange {
                column: REASON_COLUMN,
                old: ColumnValue::Text(before),
                new: ColumnValue::Text(reason.clone()),
            });
        }
    }
    // Who and when go on the row too, over whoever wrote it before: an update says so.
    if let (Some(metadata), Some((by, at))) = (metadata, written) {
        changes.extend(who_and_when_overwritten(by, at, metadata));
    }
    Ok(Some(StorageChange::Update {
        table: "orders",
        order_id: order_id.clone(),
        changes,
    }))
}

/// The columns an UPDATE replaced, with their old and new values.
fn changed_columns(old: &Order, new: &Order, locking: bool) -> Vec<ColumnChange> {
    let mut changes = Vec::new();
    let mut compare = |column, old: ColumnValue, new: ColumnValue| {
        if old != new {
            changes.push(ColumnChange { column, old, new });
        }
    };
    use ColumnValue::{Integer, Status as State, Text};
    let cents = |money: Money| Integer(money.cents());
    compare(
        "customer",
        Text(old.customer.clone()),
        Text(new.customer.clone()),
    );
    compare(
        "product",
        Text(old.product.clone()),
        Text(new.product.clone()),
    );
    compare("quantity", Integer(old.quantity), Integer(new.quantity));
    compare(
        "unit_price_cents",
        cents(old.unit_price),
        cents(new.unit_price),
    );
    compare("total_cents", cents(old.total), cents(new.total));
    compare("paid_cents", cents(old.paid), cents(new.paid));
    compare("status", State(old.status), State(new.status));
    if locking {
        compare("version", Integer(old.version), Integer(new.version));
    }
    changes
}

/// The row's `updated_by` and `updated_at` as a write overwrites them with `metadata`.
fn who_and_when_overwritten(
    by: Option<String>,
    at: Option<String>,
    metadata: &Metadata,
) -> Vec<ColumnChange> {
    let now = [
        ("updated_by", by, metadata.actor.as_str().to_string()),
        ("updated_at", at, metadata.recorded_at.to_string()),
    ];
    now.into_iter()
        .filter(|(_, old, new)| old.as_deref() != Some(new.as_str()))
        .map(|(column, old, new)| ColumnChange {
            column,
            old: ColumnValue::Text(old.unwrap_or_else(|| "NULL".into())),
            new: ColumnValue::Text(new),
        })
        .collect()
}
