//! `eslab bench --store URL`: what a room costs on a PostgreSQL server. Commands per second
//! with 1, 4 and 16 writers at once, each on its own connection, for both designs, beside the
//! same server's floor: a bare INSERT, one transaction per command, as `pgbench` runs one.
//! Every event-sourced append takes its turn at the log's head row through its commit (ids
//! gap-free and in commit order), so what the floor reaches beyond it with more writers is
//! what that ordering costs.
//!
//! Event sourcing is measured twice: as a room commits (each append's COMMIT waits for the
//! disk while it holds the head row) and with its commits grouped (`pg::Commits::Grouped`:
//! the head row is let go before the disk is waited for; see there what that costs). Then the
//! log is filled to `REPLAY_WORKLOAD`'s size and replayed from the server into a fresh
//! OrderView, and verified as `eslab verify` reads it.
//!
//! It runs in a scratch room made for it and dropped after it (`pg::in_scratch_room`), and
//! checks, before it says anything, that every event the writers appended is in the log once,
//! gap-free, chained, and (where the server keeps commit times) in commit order.

use std::collections::HashMap;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::domain::{Command, Money, Order, OrderId, PlaceOrder, apply, decide};
use crate::es::OrderView;
use crate::es::log::{Log, LogTx};
use crate::pg::{self, Commits, PgLog, Store};
use crate::service::OrderService;
use crate::workload::Workload;

/// The writer counts measured.
pub(crate) const WRITERS: [usize; 3] = [1, 4, 16];

/// The log replayed: `eslab bench`'s own workload (20,000 orders, each placed, changed 8
/// times and paid: 200,000 events), appended after what the writers left.
pub(crate) const REPLAY_WORKLOAD: Workload = Workload {
    orders: 20_000,
    changes: 8,
    seed: 1,
};

/// Events appended per statement while the log is filled for the replay.
const FILL_BATCH: usize = 5_000;

/// How many times the replay and the verification are timed (the fastest is kept).
const REPLAYS: usize = 3;

/// What one measurement ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measured {
    /// A bare INSERT, one transaction each: the server's floor.
    Floor,
    Crud,
    Es,
    /// Event sourcing with `Commits::Grouped`.
    EsGrouped,
}

/// Commands (or floor transactions) run by `writers` at once, and how long they took.
#[derive(Debug, Clone)]
pub(crate) struct Rate {
    pub measured: Measured,
    pub writers: usize,
    pub commands: u64,
    pub elapsed: Duration,
}

impl Rate {
    pub(crate) fn per_second(&self) -> f64 {
        per_second(self.commands, self.elapsed)
    }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(f64::EPSILON)
}

/// A whole log read back from the server.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub events: u64,
    /// Into a fresh OrderView (what `eslab replay --trust` and every writer's start do).
    pub replay: Duration,
    /// Checked as `eslab verify` checks it, rebuilding the view as it goes.
    pub verify: Duration,
}

/// What `eslab bench --store` measured.
#[derive(Debug, Clone)]
pub(crate) struct StoreReport {
    pub per_writer: u64,
    pub rates: Vec<Rate>,
    pub read: Read,
}

impl StoreReport {
    pub(crate) fn rate(&self, measured: Measured, writers: usize) -> f64 {
        self.rates
            .iter()
            .find(|r| r.measured == measured && r.writers == writers)
            .map_or(0.0, Rate::per_second)
    }

    /// The report as `eslab bench --store` prints it; `url` as it may be shown.
    pub(crate) fn table(&self, url: &str) -> String {
        let floor_alone = self.rate(Measured::Floor, 1);
        let mut text = format!(
            "A room on {url}: commands per second, {} per writer, one transaction each\n\n\
             writers  bare INSERT  CRUD  event sourcing  ES grouped*  ES / bare INSERT alone\n",
            self.per_writer
        );
        for writers in WRITERS {
            let es = self.rate(Measured::Es, writers);
            text.push_str(&format!(
                "{writers:>7}  {:>11.0}  {:>4.0}  {es:>14.0}  {:>11.0}  {:>22.2}\n",
                self.rate(Measured::Floor, writers),
                self.rate(Measured::Crud, writers),
                self.rate(Measured::EsGrouped, writers),
                es / floor_alone.max(f64::EPSILON)
            ));
        }
        let read = &self.read;
        text.push_str(&format!(
            "\n* commits grouped: each append lets the log's head go once its commit is in the \
             WAL buffers,\n  then waits for the disk before it is reported; ids stay gap-free \
             and in commit order,\n  but others can read an event that a crash would still \
             take back. Not what a room does.\n\n\
             The whole log read back from the server, {} events (fastest of {REPLAYS}):\n\
             replayed into OrderView  {:>9.0} events/s\n\
             verified                 {:>9.0} events/s\n",
            read.events,
            per_second(read.events, read.replay),
            per_second(read.events, read.verify),
        ));
        text
    }
}

/// Measures every design at every writer count, `per_writer` commands each, then the whole
/// log read back, in a scratch room named `room` on the server at `url` (as a user allowed to
/// create schemas).
pub(crate) fn run(url: &str, room: &str, per_writer: u64) -> anyhow::Result<StoreReport> {
    let store = Store::new(url, room)?;
    let floor = "CREATE TABLE floor (id bigserial PRIMARY KEY, payload text NOT NULL);";
    pg::in_scratch_room(&store.url, &store.room, floor, |store| {
        let mut rates = Vec::new();
        for writers in WRITERS {
            for measured in [
                Measured::Floor,
                Measured::Crud,
                Measured::Es,
                Measured::EsGrouped,
            ] {
                rates.push(measure(store, measured, writers, per_writer)?);
            }
        }
        let appended: u64 = rates
            .iter()
            .filter(|r| matches!(r.measured, Measured::Es | Measured::EsGrouped))
            .map(|r| r.commands)
            .sum();
        check_log(store, appended)?;
        let read = read_back(store, appended)?;
        Ok(StoreReport {
            per_writer,
            rates,
            read,
        })
    })
}

/// `writers` threads, each with its own connection made before the clock starts, each
/// running `per_writer` commands on orders of its own.
fn measure(
    store: &Store,
    measured: Measured,
    writers: usize,
    per_writer: u64,
) -> anyhow::Result<Rate> {
    let start = Arc::new(Barrier::new(writers + 1));
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            let (store, start) = (store.clone(), start.clone());
            std::thread::spawn(move || -> anyhow::Result<()> {
                let prefix = format!("{measured:?}{writers}w{w}x");
                let writer = Writer::open(&store, measured);
                // Every thread reaches the barrier, opened or not, so none waits for ever.
                start.wait();
                let mut writer = writer?;
                for i in 0..per_writer {
                    writer.command(&format!("{prefix}{i}"))?;
                }
                Ok(())
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let mut failed = None;
    for thread in threads {
        let done = thread
            .join()
            .map_err(|_| anyhow::anyhow!("a bench writer stopped"))
            .and_then(|done| done);
        if let Err(error) = done {
            failed.get_or_insert(error);
        }
    }
    if let Some(error) = failed {
        return Err(error);
    }
    Ok(Rate {
        measured,
        writers,
        commands: writers as u64 * per_writer,
        elapsed: started.elapsed(),
    })
}

enum Writer {
    Floor(Box<postgres::Client>),
    Design(Box<dyn OrderService>),
}

impl Writer {
    fn open(store: &Store, measured: Measured) -> anyhow::Result<Writer> {
        Ok(match measured {
            Measured::Floor => Writer::Floor(Box::new(store.join()?)),
            Measured::Crud => Writer::Design(Box::new(store.crud(false)?)),
            Measured::Es => Writer::Design(Box::new(store.es(1)?)),
            Measured::EsGrouped => Writer::Design(Box::new(store.es_with(1, Commits::Grouped)?)),
        })
    }

    /// One command: an order placed (one row, or one event), in one transaction.
    fn command(&mut self, order_id: &str) -> anyhow::Result<()> {
        match self {
            Writer::Floor(client) => {
                client.execute("INSERT INTO floor (payload) VALUES ($1)", &[&order_id])?;
            }
            Writer::Design(service) => {
                let place = Command::PlaceOrder(PlaceOrder {
                    order_id: OrderId::new(order_id).map_err(anyhow::Error::msg)?,
                    customer: "Bench".into(),
                    product: "Book".into(),
                    quantity: 1,
                    unit_price: Money::from_cents(1000),
                });
                service.execute(&place, None, None)?;
            }
        }
        Ok(())
    }
}

/// What the writers left: `appended` events, ids 1 to `appended` once each, chained, every
/// stream's versions from 1, and, where the server keeps commit times
/// (`track_commit_timestamp`), committed in id order. A bench whose writers broke that says
/// so instead of a rate.
fn check_log(store: &Store, appended: u64) -> anyhow::Result<()> {
    let log = PgLog::new(store.join()?, 1);
    let verdict = crate::verify::verify(&log)?;
    if !verdict.holds() || verdict.events != appended {
        anyhow::bail!(
            "the bench's log does not hold what its writers appended: {} events of {appended}, first bad event {:?}",
            verdict.events,
            verdict.first_bad_event()
        );
    }
    let mut admin = store.join()?;
    let keeps_times: String = admin.query_one("SHOW track_commit_timestamp", &[])?.get(0);
    if keeps_times == "on" {
        let out_of_order: i64 = admin
            .query_one(
                "SELECT count(*) FROM (SELECT pg_xact_commit_timestamp(xmin) < \
                 lag(pg_xact_commit_timestamp(xmin)) OVER (ORDER BY event_id) AS back \
                 FROM events) t WHERE back",
                &[],
            )?
            .get(0);
        if out_of_order != 0 {
            anyhow::bail!(
                "the bench's log has {out_of_order} events committed before the one before them"
            );
        }
    }
    Ok(())
}

/// Fills the log with `REPLAY_WORKLOAD`'s events (decided and chained as any append is, many
/// to a statement, in one transaction), then times reading it all back: replayed into a fresh
/// OrderView, and verified.
fn read_back(store: &Store, appended: u64) -> anyhow::Result<Read> {
    let mut log = PgLog::new(store.join()?, 1);
    fill(&mut log)?;
    let events = appended + REPLAY_WORKLOAD.commands_count();
    let mut read = Read {
        events,
        replay: Duration::MAX,
        verify: Duration::MAX,
    };
    for _ in 0..REPLAYS {
        let started = Instant::now();
        let view = OrderView::rebuild(&log, None)?;
        read.replay = read.replay.min(started.elapsed());
        if view.checkpoint() != Some(events) {
            anyhow::bail!("the replay stopped at {:?} of {events}", view.checkpoint());
        }
        drop(view);
        let started = Instant::now();
        let verdict = crate::verify::verify(&log)?;
        read.verify = read.verify.min(started.elapsed());
        if !verdict.holds() || verdict.events != events {
            anyhow::bail!("the filled log does not verify");
        }
    }
    Ok(read)
}

fn fill(log: &mut PgLog) -> anyhow::Result<()> {
    let mut orders: HashMap<OrderId, Order> = HashMap::new();
    let mut tx = log.begin()?;
    let shapes = tx.shapes()?;
    let mut tail = tx.tail(1)?;
    let mut commands = REPLAY_WORKLOAD.commands().peekable();
    while commands.peek().is_some() {
        let mut batch = Vec::with_capacity(FILL_BATCH);
        for command in commands.by_ref().take(FILL_BATCH) {
            let order_id = command.order_id().clone();
            let current = orders.remove(&order_id);
            let version = current.as_ref().map_or(0, |order| order.version);
            let events = decide(current.as_ref(), &command)
                .map_err(|rejection| anyhow::anyhow!("the workload was refused: {rejection:?}"))?;
            let mut next = current;
            for event in &events {
                next = Some(apply(next, &order_id, event)?);
            }
            if let Some(order) = next {
                orders.insert(order_id.clone(), order);
            }
            batch.push((order_id, version, events));
        }
        let streams = batch
            .iter()
            .map(|(order_id, version, events)| (order_id, *version, events.clone()))
            .collect();
        tail = tx.append_streams(tail, streams, &shapes, None)?.1;
    }
    tx.commit()
}
