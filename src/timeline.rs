//! One timeline: a run turned into frames, one per step, each saying what the step did to
//! both stores. The CRUD row it touched (before → after, every column, including one a
//! migration added), the events it appended, OrderView's state of each one's order right
//! after it, whether OrderView is down and its checkpoint, the step's answers and the
//! verdicts of its expectations (both on its record).
//!
//! Built once per view, a step at a time, as the run streams: the timeline keeps what a frame
//! needs from the steps before it (the CRUD table's rows and OrderView, both growing with
//! the orders, not the steps), never the steps themselves. The HTML page and the live view
//! read frames; neither folds events or rebuilds a row on its own.

use std::collections::HashMap;

use crate::domain::{OrderId, StoredEvent};
use crate::es::OrderView;
use crate::service::{Backend, ColumnChange, ColumnValue, OrderState, Outcome, StorageChange};
use crate::trace::StepRecord;

/// The columns of a new CRUD `orders` row, as SQLite names them (see `crud/schema.sql`),
/// before any column a migration or a version column (locking) adds.
pub(crate) const INSERT_COLUMNS: [&str; 8] = [
    "order_id",
    "customer",
    "product",
    "quantity",
    "unit_price_cents",
    "total_cents",
    "paid_cents",
    "status",
];

/// The run so far, as the next frame needs it.
#[derive(Default)]
pub(crate) struct Timeline {
    /// Every column a row has shown, in the order first seen.
    columns: Vec<&'static str>,
    /// The CRUD `orders` table as the steps leave it, in the order rows were inserted (as a
    /// `SELECT` without `ORDER BY` returns them); a cell is `None` until a step writes it.
    rows: Vec<Vec<Option<ColumnValue>>>,
    /// Row index by order id; only looked up, never listed.
    row_index: HashMap<OrderId, usize>,
    /// OrderView folded from the appended events, with the domain's own `apply`.
    view: OrderView,
    view_down: bool,
    checkpoint: Option<u64>,
    last_event: Option<u64>,
    log_len: usize,
    /// Where the latest snapshot of OrderView was taken (the last event it holds).
    latest_snapshot: Option<u64>,
}

/// What one step did to both stores, and where they stand after it.
pub(crate) struct Frame<'r> {
    /// The CRUD row this step inserted or updated.
    pub row: Option<RowFrame>,
    /// The events this step appended, each with OrderView's state of its order right after it.
    pub events: Vec<EventFrame<'r>>,
    /// Events in the log after this step.
    pub log_len: usize,
    /// Whether OrderView is down after this step.
    pub view_down: bool,
    /// The last event OrderView has applied after this step.
    pub checkpoint: Option<u64>,
    /// A column a migration at this step added to every row, and the default it filled in.
    pub migrated: Option<(&'static str, &'static str)>,
    /// Where in the log the latest snapshot of OrderView was taken (its checkpoint), if one
    /// was by this step: where a rebuild would start.
    pub latest_snapshot: Option<u64>,
}

/// The CRUD row a step wrote: where it sits in the table, its cells after the step, and the
/// columns an UPDATE overwrote (their old values are what the row held before).
pub(crate) struct RowFrame {
    pub i: usize,
    /// Column and value, every column the table has shown; `None` where nothing was written
    /// (a row an earlier run inserted is known only by what changed).
    pub after: Vec<(&'static str, Option<ColumnValue>)>,
    /// An UPDATE's changes, in the order the store reported them; empty for an INSERT.
    pub changed: Vec<ColumnChange>,
}

impl RowFrame {
    /// The value of `column` after the step.
    pub(crate) fn get(&self, column: &str) -> Option<&ColumnValue> {
        self.after
            .iter()
            .find(|(c, _)| *c == column)
            .and_then(|(_, value)| value.as_ref())
    }

    /// The columns a migration added (past those an INSERT writes, `version`, and who last
    /// wrote the row and when, which narrate shows only where a scenario teaches them), with
    /// their values after the step and, where the step overwrote one, its old value.
    pub(crate) fn added_columns(&self) -> Vec<(&'static str, &ColumnValue, Option<&ColumnValue>)> {
        const NOT_ADDED: [&str; 3] = ["version", "updated_by", "updated_at"];
        self.after
            .iter()
            .filter(|(c, _)| !INSERT_COLUMNS.contains(c) && !NOT_ADDED.contains(c))
            .filter_map(|(c, value)| {
                let old = self
                    .changed
                    .iter()
                    .find(|ch| ch.column == *c)
                    .map(|ch| &ch.old);
                Some((*c, value.as_ref()?, old))
            })
            .collect()
    }
}

/// An appended event, and OrderView's state of its order right after it (`None` when the
/// fold refused it: an order an earlier run began).
pub(crate) struct EventFrame<'r> {
    pub event: &'r StoredEvent,
    pub state: Option<OrderState>,
}

impl Timeline {
    /// The frame of `record`, the next step.
    pub(crate) fn push<'r>(&mut self, record: &'r StepRecord) -> Frame<'r> {
        let mut migrated = None;
        let row = match record.result(Backend::Crud) {
            Some(Outcome::Applied { storage, .. }) => self.write_row(storage),
            Some(Outcome::Migrated {
                column, default, ..
            }) => {
                self.add_column(column, default);
                migrated = Some((*column, *default));
                None
            }
            _ => None,
        };
        let mut events = Vec::new();
        match record.result(Backend::Es) {
            Some(Outcome::Applied {
                storage: StorageChange::Append { events: appended },
                ..
            }) => {
                events = self.appended(appended);
            }
            Some(Outcome::ViewCrashed { checkpoint, .. }) => {
                self.view_down = true;
                self.checkpoint = *checkpoint;
            }
            Some(Outcome::ViewRebuilt { checkpoint, .. }) => {
                self.view_down = false;
                self.checkpoint = *checkpoint;
            }
            Some(Outcome::SnapshotTaken {
                checkpoint: Some(at),
                ..
            }) => {
                self.latest_snapshot = Some(*at);
            }
            _ => {}
        }
        Frame {
            row,
            events,
            log_len: self.log_len,
            view_down: self.view_down,
            checkpoint: self.checkpoint,
            migrated,
            latest_snapshot: self.latest_snapshot,
        }
    }

    /// Events read from a shared log that no step of this run appended (others', in a room),
    /// in id order, each with OrderView's state of its order right after it.
    pub(crate) fn arrive<'e>(&mut self, events: &'e [StoredEvent]) -> Vec<EventFrame<'e>> {
        self.appended(events)
    }

    /// Where the log and OrderView stand: the log's length, whether the view is down, and
    /// its checkpoint.
    pub(crate) fn standing(&self) -> (usize, bool, Option<u64>) {
        (self.log_len, self.view_down, self.checkpoint)
    }

    fn appended<'e>(&mut self, appended: &'e [StoredEvent]) -> Vec<EventFrame<'e>> {
        let mut events = Vec::with_capacity(appended.len());
        for event in appended {
            events.push(EventFrame {
                event,
                state: self.fold(event),
            });
        }
        self.log_len += appended.len();
        if let Some(last) = appended.last() {
            self.last_event = Some(last.event_id);
        }
        if !self.view_down {
            self.checkpoint = self.last_event;
        }
        events
    }

    /// The CRUD table as the steps so far leave it: every column, every row, in the order
    /// rows were inserted; `None` where nothing was written (a row an earlier run began).
    #[cfg(test)]
    pub(crate) fn table(&self) -> Vec<Vec<(&'static str, Option<&ColumnValue>)>> {
        self.rows
            .iter()
            .map(|cells| {
                self.columns
                    .iter()
                    .enumerate()
                    .map(|(c, name)| (*name, cells.get(c).and_then(Option::as_ref)))
                    .collect()
            })
            .collect()
    }

    /// A column a migration added: every row holds its default from now on.
    fn add_column(&mut self, name: &'static str, default: &str) {
        let c = self.column(name);
        for cells in &mut self.rows {
            if cells.len() <= c {
                cells.resize(c + 1, None);
            }
            cells[c] = Some(ColumnValue::Text(default.to_string()));
        }
    }

    fn fold(&mut self, event: &StoredEvent) -> Option<OrderState> {
        self.view
            .apply(event)
            .ok()
            .and_then(|()| self.view.get(&event.stream_id))
            .map(OrderState::versioned)
    }

    fn column(&mut self, name: &'static str) -> usize {
        match self.columns.iter().position(|c| *c == name) {
            Some(i) => i,
            None => {
                self.columns.push(name);
                self.columns.len() - 1
            }
        }
    }

    fn write_row(&mut self, storage: &StorageChange) -> Option<RowFrame> {
        let (i, changed) = match storage {
            StorageChange::Insert { row, .. } => {
                let mut cells = Vec::new();
                for (name, value) in insert_values(row) {
                    let c = self.column(name);
                    if cells.len() <= c {
                        cells.resize(c + 1, None);
                    }
                    cells[c] = Some(value);
                }
                let i = self.rows.len();
                self.row_index.insert(row.order_id.clone(), i);
                self.rows.push(cells);
                (i, Vec::new())
            }
            StorageChange::Update {
                order_id, changes, ..
            } => {
                let c = self.column("order_id");
                let i = match self.row_index.get(order_id) {
                    Some(&i) => i,
                    None => {
                        let mut cells = vec![None; c + 1];
                        cells[c] = Some(ColumnValue::Text(order_id.as_str().to_string()));
                        self.rows.push(cells);
                        self.row_index.insert(order_id.clone(), self.rows.len() - 1);
                        self.rows.len() - 1
                    }
                };
                for change in changes {
                    let c = self.column(change.column);
                    let cells = &mut self.rows[i];
                    if cells.len() <= c {
                        cells.resize(c + 1, None);
                    }
                    cells[c] = Some(change.new.clone());
                }
                (i, changes.clone())
            }
            StorageChange::Append { .. } => return None,
        };
        let cells = &self.rows[i];
        let after = self
            .columns
            .iter()
            .enumerate()
            .map(|(c, name)| (*name, cells.get(c).cloned().flatten()))
            .collect();
        Some(RowFrame { i, after, changed })
    }
}

/// A new row's values as SQLite holds them: money in whole cents, the version when kept.
fn insert_values(row: &OrderState) -> Vec<(&'static str, ColumnValue)> {
    use ColumnValue::{Integer, Status, Text};
    let values = [
        Text(row.order_id.as_str().to_string()),
        Text(row.customer.clone()),
        Text(row.product.clone()),
        Integer(row.quantity),
        Integer(row.unit_price.cents()),
        Integer(row.total.cents()),
        Integer(row.paid.cents()),
        Status(row.status),
    ];
    let mut out: Vec<(&'static str, ColumnValue)> =
        INSERT_COLUMNS.into_iter().zip(values).collect();
    if let Some(version) = row.version {
        out.push(("version", Integer(version)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{self, Services, StorageOptions};

    /// Per step: the row written, OrderView's state after each event, the log's length,
    /// whether the view is down and its checkpoint.
    type Seen = (
        Option<RowFrame>,
        Vec<Option<OrderState>>,
        usize,
        bool,
        Option<u64>,
    );

    fn frames_of(name: &str) -> Vec<Seen> {
        let loaded = crate::scenario::load(name).unwrap();
        let mut services = Services::open(
            &[Backend::Crud, Backend::Es],
            &StorageOptions::default(),
            loaded.scenario.first_event_id,
        )
        .unwrap();
        let trace = runner::run(&loaded, &mut services).unwrap();
        let mut timeline = Timeline::default();
        trace
            .steps
            .iter()
            .map(|step| {
                let frame = timeline.push(step);
                let states = frame.events.into_iter().map(|e| e.state).collect();
                (
                    frame.row,
                    states,
                    frame.log_len,
                    frame.view_down,
                    frame.checkpoint,
                )
            })
            .collect()
    }

    #[test]
    fn a_frame_has_the_row_before_and_after_with_a_migrated_column_and_the_view_after_each_event() {
        let frames = frames_of("schema-evolution");
        let (row, states, log_len, down, checkpoint) = &frames[0];
        let row = row.as_ref().expect("place_order inserts a row");
        assert_eq!((row.i, row.changed.len()), (0, 0));
        assert_eq!(row.get("quantity"), Some(&ColumnValue::Integer(5)));
        assert_eq!(
            states[0].as_ref().map(|s| (s.quantity, s.version)),
            Some((5, Some(1)))
        );
        assert_eq!((*log_len, *down, *checkpoint), (1, false, Some(2001)));
        // After the deploy, the change's reason has a column the insert never had.
        let row = frames[3]
            .0
            .as_ref()
            .expect("change_quantity updates the row");
        assert_eq!(row.i, 0);
        let reason = ColumnValue::Text("the gift is off".into());
        assert_eq!(row.get("change_reason"), Some(&reason));
        let old = |column: &str| {
            row.changed
                .iter()
                .find(|change| change.column == column)
                .map(|change| change.old.clone())
        };
        assert_eq!(old("quantity"), Some(ColumnValue::Integer(6)));
        assert_ne!(old("change_reason"), Some(reason));
        assert_eq!(frames[3].1[0].as_ref().map(|s| s.quantity), Some(4));
        // crash_view then rebuild_view: down, then up again at the same checkpoint.
        assert_eq!((frames[6].3, frames[6].4), (true, Some(2003)));
        assert_eq!((frames[7].3, frames[7].4), (false, Some(2003)));
        assert_eq!((frames[8].2, frames[8].4), (4, Some(2004)));
    }

    #[test]
    fn a_migration_gives_every_row_its_column_and_a_snapshot_marks_its_place() {
        let loaded = crate::scenario::load("schema-evolution").unwrap();
        let mut services = Services::open(
            &[Backend::Crud, Backend::Es],
            &StorageOptions::default(),
            loaded.scenario.first_event_id,
        )
        .unwrap();
        let trace = runner::run(&loaded, &mut services).unwrap();
        let mut timeline = Timeline::default();
        let mut migrated = Vec::new();
        for step in &trace.steps[..3] {
            migrated.push(timeline.push(step).migrated);
        }
        // The deploy (step 3) adds change_reason to the row step 1 inserted, before any
        // update writes it.
        assert_eq!(
            migrated,
            [None, None, Some(("change_reason", "not recorded"))]
        );
        let table = timeline.table();
        assert_eq!(table.len(), 1);
        let last = table[0].last().copied();
        assert_eq!(
            last,
            Some((
                "change_reason",
                Some(&ColumnValue::Text("not recorded".into()))
            ))
        );

        let loaded = crate::scenario::load("snapshots").unwrap();
        let mut services = Services::open(
            &[Backend::Crud, Backend::Es],
            &StorageOptions::default(),
            loaded.scenario.first_event_id,
        )
        .unwrap();
        let trace = runner::run(&loaded, &mut services).unwrap();
        let mut timeline = Timeline::default();
        let latest: Vec<(usize, Option<u64>)> = trace
            .steps
            .iter()
            .map(|step| (step.step, timeline.push(step).latest_snapshot))
            .collect();
        assert!(
            latest[..12].iter().all(|(_, at)| at.is_none()),
            "{latest:?}"
        );
        assert!(
            latest[12..].iter().all(|(_, at)| *at == Some(2012)),
            "{latest:?}"
        );
        assert_eq!(latest[12].0, 13);
    }
}
