//! What the full-screen view shows, kept per step so that going back shows the earlier state
//! exactly without running anything again: the log only grows (a step's log is a prefix of
//! it), and each order's rows are kept with the step that wrote them, so any step's screen is
//! an index away. Each step's frame comes from the one timeline (`crate::timeline`): this
//! keeps frames, it folds nothing.

use std::collections::HashMap;

use crate::domain::{OrderId, StoredEvent};
use crate::pg::RowWrite;
use crate::service::{Backend, OrderState, Outcome};
use crate::timeline::Timeline;
use crate::trace::StepRecord;

/// Where the view stood after one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The log's length after the step.
    pub log_len: usize,
    /// Orders seen so far (a prefix of `Model::orders`).
    pub orders_seen: usize,
    /// Whether OrderView was down after the step.
    pub view_down: bool,
    /// The last event OrderView had applied.
    pub checkpoint: Option<u64>,
    /// The step shown (an index into the session's records), or none: what others wrote to
    /// the room (`arrival`).
    pub record: Option<usize>,
    /// What others wrote to the room, shown by this frame (an index into `Model::arrivals`).
    pub arrival: Option<usize>,
    /// The event where the latest snapshot of OrderView was taken.
    pub snapshot: Option<u64>,
}

/// What others wrote to a room, read from it while this session followed it.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// Others' events, in id order.
    pub events: Vec<StoredEvent>,
    /// The rows others wrote: each as it is now, as it was shown before, and who wrote it.
    pub rows: Vec<(OrderState, Option<OrderState>, Option<String>)>,
}

/// A row CRUD held after a step that wrote it.
struct CrudRow {
    step: usize,
    state: OrderState,
    /// The columns a migration added, as the timeline reports them.
    added: Vec<AddedCell>,
}

/// A cell of a column a migration added (`change_reason`): its value, and the one the step
/// overwrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedCell {
    pub column: &'static str,
    pub value: String,
    pub old: Option<String>,
}

/// Every step's screen, built as steps run.
#[derive(Default)]
pub struct Model {
    pub log: Vec<StoredEvent>,
    pub frames: Vec<Frame>,
    /// Orders in the order they first appear.
    pub orders: Vec<OrderId>,
    index: HashMap<OrderId, usize>,
    /// Per order, the rows CRUD held, with the step (from 0) that wrote each.
    crud_rows: Vec<Vec<CrudRow>>,
    /// Per order, its events: indexes into `log`, each with OrderView's state of the order
    /// right after it, as the timeline folded it.
    order_events: Vec<Vec<(usize, Option<OrderState>)>>,
    timeline: Timeline,
    /// What others wrote, one per frame that shows it.
    pub arrivals: Vec<Arrival>,
    /// Steps pushed so far.
    steps: usize,
}

impl Model {
    /// Adds the screen after `record`, the next step.
    pub fn push(&mut self, record: &StepRecord) {
        let step = self.frames.len();
        let frame = self.timeline.push(record);
        if let Some(Outcome::Applied {
            state: Some(state), ..
        }) = record.result(Backend::Crud)
        {
            let text = |v: &crate::service::ColumnValue| crate::sanitize::clean(&v.to_string());
            let added = frame.row.as_ref().map_or_else(Vec::new, |row| {
                row.added_columns()
                    .into_iter()
                    .map(|(column, value, old)| AddedCell {
                        column,
                        value: text(value),
                        old: old.map(text),
                    })
                    .collect()
            });
            let order = self.order(&state.order_id);
            self.crud_rows[order].push(CrudRow {
                step,
                state: state.clone(),
                added,
            });
        }
        if let Some((column, default)) = frame.migrated {
            self.fill_migrated(step, column, default);
        }
        for appended in frame.events {
            let order = self.order(&appended.event.stream_id);
            self.order_events[order].push((self.log.len(), appended.state));
            self.log.push(appended.event.clone());
        }
        self.frames.push(Frame {
            log_len: frame.log_len,
            orders_seen: self.orders.len(),
            view_down: frame.view_down,
            checkpoint: frame.checkpoint,
            record: Some(self.steps),
            arrival: None,
            snapshot: frame.latest_snapshot,
        });
        self.steps += 1;
    }

    /// A migration at `step` added `column` to every row, filled with `default`: each row
    /// shows it from this step on, so the room sees the new column where the ALTER TABLE
    /// happened, not only at the next step that writes a row.
    fn fill_migrated(&mut self, step: usize, column: &'static str, default: &str) {
        for rows in &mut self.crud_rows {
            let Some(last) = rows.last().filter(|row| row.step != step) else {
                continue;
            };
            let mut added: Vec<AddedCell> = last
                .added
                .iter()
                .filter(|cell| cell.column != column)
                .cloned()
                .map(|cell| AddedCell { old: None, ..cell })
                .collect();
            added.push(AddedCell {
                column,
                value: crate::sanitize::clean(default),
                old: None,
            });
            let state = last.state.clone();
            rows.push(CrudRow { step, state, added });
        }
    }

    /// Adds a frame showing what others wrote to the room: their events, and the rows whose
    /// values differ from what this view shows. False, and no frame, when nothing shows.
    pub fn arrive(&mut self, events: Vec<StoredEvent>, rows: &[RowWrite]) -> bool {
        let step = self.frames.len();
        let mut arrival = Arrival::default();
        for write in rows {
            let order = self.order(&write.state.order_id);
            let shown = self.crud_rows[order].last().map(|row| row.state.clone());
            if shown.as_ref() == Some(&write.state) {
                continue; // this session's own write, or one that changed nothing shown
            }
            self.crud_rows[order].push(CrudRow {
                step,
                state: write.state.clone(),
                added: Vec::new(),
            });
            arrival
                .rows
                .push((write.state.clone(), shown, write.by.clone()));
        }
        for (appended, folded) in events.iter().zip(self.timeline.arrive(&events)) {
            let order = self.order(&appended.stream_id);
            self.order_events[order].push((self.log.len(), folded.state));
            self.log.push(appended.clone());
        }
        if events.is_empty() && arrival.rows.is_empty() {
            return false;
        }
        arrival.events = events;
        let (log_len, view_down, checkpoint) = self.timeline.standing();
        self.frames.push(Frame {
            log_len,
            orders_seen: self.orders.len(),
            view_down,
            checkpoint,
            record: None,
            arrival: Some(self.arrivals.len()),
            snapshot: self.frames.last().and_then(|frame| frame.snapshot),
        });
        self.arrivals.push(arrival);
        true
    }

    /// What others wrote, if the frame shows that.
    pub fn arrival(&self, frame: usize) -> Option<&Arrival> {
        self.arrivals.get(self.frames.get(frame)?.arrival?)
    }

    fn order(&mut self, id: &OrderId) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.orders.push(id.clone());
        self.crud_rows.push(Vec::new());
        self.order_events.push(Vec::new());
        self.index.insert(id.clone(), self.orders.len() - 1);
        self.orders.len() - 1
    }

    pub fn order_index(&self, id: &OrderId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The row CRUD held for an order after `step`, the one it replaced if that step wrote
    /// it, and its cells in columns a migration added (with the old value that step
    /// overwrote).
    pub fn crud_row(
        &self,
        order: usize,
        step: usize,
    ) -> Option<(&OrderState, Option<&OrderState>, Vec<AddedCell>)> {
        let rows = &self.crud_rows[order];
        let at = rows.partition_point(|row| row.step <= step);
        let now = rows.get(at.checked_sub(1)?)?;
        let written_here = now.step == step;
        let before = (written_here && at >= 2).then(|| &rows[at - 2].state);
        let added = now
            .added
            .iter()
            .map(|cell| AddedCell {
                old: cell.old.clone().filter(|_| written_here),
                ..cell.clone()
            })
            .collect();
        Some((&now.state, before, added))
    }

    /// OrderView's state of an order after its last event among the first `log_len`.
    pub fn view_state(&self, order: usize, log_len: usize) -> Option<&OrderState> {
        let events = &self.order_events[order];
        let seen = events.partition_point(|(i, _)| *i < log_len);
        events.get(seen.checked_sub(1)?)?.1.as_ref()
    }
}
