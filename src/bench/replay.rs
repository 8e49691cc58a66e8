//! Phase 4: the whole log replayed into a fresh OrderView next to a bare decode loop, and
//! `eslab replay` as a user runs it, verified and trusted; phase 6: queries only the log can
//! answer.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::Connection;

use super::report::{Latency, at_least, at_most, metric};
use super::{Bench, RUNS};
use crate::domain::Event;
use crate::es::{EventSourcedService, OrderView};
use crate::service::{HistoryQuery, OrderQuery, OrderService, Question};
use crate::workload::{self, Workload};

/// The facts OrderView keeps, in a plain tuple: customer, product, quantity, unit price in
/// cents, paid in cents, version.
type Plain = (String, String, u64, u64, u64, u64);

/// The floor of a replay: SELECT in event-id order, decode each payload into its typed
/// event, apply it to a plain map — nothing else. Returns the map, for the caller to free
/// outside the timing, as a replay's view is.
pub(super) fn replay_floor(
    conn: &Connection,
) -> anyhow::Result<(Duration, HashMap<String, Plain>)> {
    let started = Instant::now();
    let mut orders: HashMap<String, Plain> = HashMap::new();
    let mut select =
        // The same rows a replay reads: envelope and payload, in event-id order.
        conn.prepare_cached(
            "SELECT event_id, stream_id, stream_version, event_type, payload, schema_version \
             FROM events ORDER BY event_id",
        )?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let (_id, _version): (i64, i64) = (row.get(0)?, row.get(2)?);
        let stream = row.get_ref(1)?.as_str()?;
        let shape = u32::try_from(row.get::<_, i64>(5)?)?;
        let event = Event::decode(row.get_ref(3)?.as_str()?, shape, row.get_ref(4)?.as_str()?)
            .map_err(anyhow::Error::msg)?;
        match event {
            Event::NewOrderEvent(e) => {
                let cents = e.unit_price.cents();
                orders.insert(
                    stream.to_string(),
                    (e.customer, e.product, e.quantity, cents, 0, 1),
                );
            }
            Event::ModifyOrderEvent(e) => {
                if let Some(order) = orders.get_mut(stream) {
                    order.2 = e.quantity;
                    order.5 += 1;
                }
            }
            Event::OrderPaymentEvent(e) => {
                if let Some(order) = orders.get_mut(stream) {
                    order.4 = e.amount.cents();
                    order.5 += 1;
                }
            }
            Event::OrderCancelledEvent(_) => {
                if let Some(order) = orders.get_mut(stream) {
                    order.5 += 1;
                }
            }
        }
    }
    Ok((started.elapsed(), orders))
}

/// Runs `eslab replay --db-dir DIR --format json` (with `--trust` when `trust`) and times it.
fn measure_eslab_replay(eslab: &Path, db_dir: &Path, trust: bool) -> anyhow::Result<Duration> {
    let mut command = std::process::Command::new(eslab);
    command
        .args(["replay", "--format", "json", "--db-dir"])
        .arg(db_dir);
    if trust {
        command.arg("--trust");
    }
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("cannot start {}", eslab.display()))?;
    let elapsed = started.elapsed();
    anyhow::ensure!(
        output.status.success(),
        "`eslab replay --db-dir {}` failed ({}): {}",
        db_dir.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(elapsed)
}

pub(super) fn query_latencies(
    es: &mut EventSourcedService,
    workload: &Workload,
) -> anyhow::Result<Vec<Latency>> {
    const QUERIES: u64 = 1000;
    let middle = es.store().count()? / 2;
    let mut latencies = Vec::new();
    for (label, question) in [
        ("time travel (as_of the middle of the log)", true),
        ("history of one order", false),
    ] {
        let started = Instant::now();
        for i in 0..QUERIES {
            let order_id = workload::order_id((i * 7919) % workload.orders);
            let question = if question {
                Question::Query(OrderQuery {
                    order_id,
                    as_of: Some(middle),
                })
            } else {
                Question::History(HistoryQuery { order_id })
            };
            std::hint::black_box(es.ask(&question)?);
        }
        latencies.push(Latency {
            query: label,
            count: QUERIES,
            microseconds_each: started.elapsed().as_secs_f64() * 1e6 / QUERIES as f64,
        });
    }
    Ok(latencies)
}

/// Phase 4: returns the view the replay built and the events in the log.
pub(super) fn replay(
    bench: &mut Bench,
    es: &EventSourcedService,
    db_dir: &Path,
) -> anyhow::Result<(OrderView, u64)> {
    // 4. Full replay of the commands' log into a fresh OrderView, next to a bare decode loop.
    let replays = time_replays(es)?;
    let logged = es.store().count()?;
    record_replays(bench, logged, replays.replay, replays.floor);
    // 4b. `eslab replay` as a user runs it: the log checked in the same pass that reads,
    //     decodes and applies it, next to `--trust`, which checks nothing. What checking costs.
    measure_eslab_replays(bench, db_dir, logged)?;
    // The floor's last map is freed only now, after every timing.
    drop(replays.floor_orders);
    Ok((replays.view, logged))
}

/// The fastest full replay into a fresh OrderView and the fastest bare decode loop, the last
/// view the replays built, and the floor's last map, to be freed outside every timing.
struct Replays {
    replay: Duration,
    floor: Duration,
    view: OrderView,
    floor_orders: HashMap<String, Plain>,
}

/// Times `2 * RUNS` replays and as many bare decode loops, taking the fastest of each.
fn time_replays(es: &EventSourcedService) -> anyhow::Result<Replays> {
    let mut view = OrderView::default();
    let (mut replay_time, mut replay_floor_time) = (Duration::MAX, Duration::MAX);
    // Each is timed right after the other's previous result is freed. Freeing 60,000 strings
    // leaves the allocator work that falls on whoever allocates next; this way both sides
    // meet it alike. (Timed right after freeing its own predecessor, the view lost a quarter.)
    let mut floor_orders = HashMap::new();
    for _ in 0..2 * RUNS {
        drop(std::mem::take(&mut floor_orders));
        let started = Instant::now();
        let rebuilt = OrderView::rebuild(es.store(), None)?;
        replay_time = replay_time.min(started.elapsed());
        drop(std::mem::replace(&mut view, rebuilt));
        let (elapsed, orders) = replay_floor(es.store().connection())?;
        replay_floor_time = replay_floor_time.min(elapsed);
        floor_orders = orders;
    }
    Ok(Replays {
        replay: replay_time,
        floor: replay_floor_time,
        view,
        floor_orders,
    })
}

/// The replay's and the floor's metrics over the `logged` events, and the replay's targets.
fn record_replays(bench: &mut Bench, logged: u64, replay_time: Duration, replay_floor: Duration) {
    bench.metrics.push(metric(
        "full replay into OrderView",
        "ES",
        logged,
        "events",
        replay_time,
    ));
    bench.metrics.push(metric(
        "floor: SELECT + decode + plain map",
        "SQLite",
        logged,
        "events",
        replay_floor,
    ));
    let replay_rate = logged as f64 / replay_time.as_secs_f64();
    bench.targets.push(at_least(
        "full replay ÷ bare decode floor",
        replay_floor.as_secs_f64() / replay_time.as_secs_f64(),
        0.8,
    ));
    bench
        .targets
        .push(at_least("full replay events/s", replay_rate, 1_000_000.0));
}

/// Phase 4b: the fastest of `RUNS` runs of `eslab replay` with `--trust` and without, their
/// metrics, and the target of what verifying the log costs.
fn measure_eslab_replays(bench: &mut Bench, db_dir: &Path, logged: u64) -> anyhow::Result<()> {
    let (mut checked, mut trusted) = (Duration::MAX, Duration::MAX);
    for _ in 0..RUNS {
        trusted = trusted.min(measure_eslab_replay(
            &bench.options.eslab_binary,
            db_dir,
            true,
        )?);
        checked = checked.min(measure_eslab_replay(
            &bench.options.eslab_binary,
            db_dir,
            false,
        )?);
    }
    bench.metrics.push(metric(
        "eslab replay (the log verified in the same pass)",
        "ES",
        logged,
        "events",
        checked,
    ));
    bench.metrics.push(metric(
        "eslab replay --trust (not verified)",
        "ES",
        logged,
        "events",
        trusted,
    ));
    bench.targets.push(at_most(
        "eslab replay ÷ eslab replay --trust (what verifying the log costs)",
        checked.as_secs_f64() / trusted.as_secs_f64(),
        1.3,
    ));
    Ok(())
}
