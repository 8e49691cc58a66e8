//! The rules a command's write applies: decided against the row as it is, by the domain's
//! one `decide` and `apply`, with what the table cannot keep said as caveats, and decided
//! again should another writer get to the row first.

use anyhow::Context;

use super::change;
use super::engine::RowsTx;
use crate::domain::{Command, Metadata, Rejection, apply, decide};
use crate::service::{Caveat, CommandOutcome, Evidence};

/// How many times a write is decided again when another writer changed the row between this
/// one's read and its write: each retry means another command committed, so they end. (Only
/// a server's row locks let this happen: SQLite's write transaction locks the whole file.)
const WRITE_ATTEMPTS: usize = 1000;

/// Decides one command against the row and writes the result, inside `tx`. Decided again
/// from the row as it then is should another writer have got to it first.
pub(super) fn write_command(
    tx: &mut impl RowsTx,
    locking: bool,
    reason_column: bool,
    command: &Command,
    metadata: Option<&Metadata>,
) -> anyhow::Result<CommandOutcome> {
    for _ in 0..WRITE_ATTEMPTS {
        if let Some(outcome) = try_write(tx, locking, reason_column, command, metadata)? {
            return Ok(outcome);
        }
    }
    anyhow::bail!(
        "the row of {} kept changing under this write",
        command.order_id()
    )
}

/// One attempt of `write_command`: `None` when the row changed between read and write.
fn try_write(
    tx: &mut impl RowsTx,
    locking: bool,
    reason_column: bool,
    command: &Command,
    metadata: Option<&Metadata>,
) -> anyhow::Result<Option<CommandOutcome>> {
    let order_id = command.order_id();
    let current = tx.load(order_id, locking)?;
    let mut caveats = Vec::new();
    let command = checkable(command, locking, &mut caveats);
    let events = match decide(current.as_ref(), &command) {
        Ok(events) => events,
        Err(rejection) => return Ok(Some(rejected(rejection))),
    };
    let change_reason = not_kept(&command, reason_column, &mut caveats);
    // The same `apply` as event sourcing computes the new row; only the new row is kept.
    let mut next = current.clone();
    for event in &events {
        next = Some(apply(next, order_id, event)?);
    }
    let next = next.context("a command always leaves an order")?;
    let change = match &current {
        None => change::insert(tx, &next, locking, metadata)?,
        Some(old) => {
            let reason = change_reason.filter(|_| reason_column);
            change::update(tx, old, &next, locking, reason, metadata)?
        }
    };
    Ok(change.map(|change| CommandOutcome::Applied { change, caveats }))
}

/// The command as the table can check it: without a version column there is nothing to
/// check a read against, so an expected version is dropped, and a caveat says so.
fn checkable(command: &Command, locking: bool, caveats: &mut Vec<Caveat>) -> Command {
    match (locking, command.expected_version()) {
        (false, Some(expected)) => {
            caveats.push(Caveat::VersionUnchecked { expected });
            command.without_expected_version()
        }
        _ => command.clone(),
    }
}

/// A command the rules refused; a version conflict is told from the newest row only.
fn rejected(rejection: Rejection) -> CommandOutcome {
    let evidence =
        matches!(rejection, Rejection::VersionConflict { .. }).then_some(Evidence::RowOnlyNewest);
    CommandOutcome::Rejected {
        rejection,
        evidence,
    }
}

/// What the row has no column for: a cancellation's reason always, a change's reason until a
/// migration adds one. Returns the change's reason, which goes on the row where it can.
fn not_kept<'c>(
    command: &'c Command,
    reason_column: bool,
    caveats: &mut Vec<Caveat>,
) -> Option<&'c String> {
    let dropped = |value: &String| Caveat::NotKept {
        field: "reason",
        value: value.clone(),
        shape: None,
    };
    match command {
        Command::Cancel(cancel) => {
            caveats.push(dropped(&cancel.reason));
            None
        }
        Command::ChangeQuantity(change) => {
            if let (Some(reason), false) = (&change.reason, reason_column) {
                caveats.push(dropped(reason));
            }
            change.reason.as_ref()
        }
        _ => None,
    }
}
