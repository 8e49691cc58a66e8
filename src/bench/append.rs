//! Phase 3: the workload's events appended in bulk, next to a bare INSERT loop; and the
//! events decided in memory by the same rules, which the snapshot phase builds on too.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::params;

use super::Bench;
use super::report::{at_least, metric};
use crate::db::Location;
use crate::domain::{Event, Order, OrderId, apply, decide};
use crate::es::{EventStore, chain};
use crate::workload::Workload;

/// The events the workload appends, decided in memory by the same rules: the input of the
/// bulk append and its floor.
pub(super) fn decided_events(workload: &Workload) -> Vec<(OrderId, u64, Event)> {
    let mut orders: HashMap<OrderId, Order> = HashMap::new();
    let mut events = Vec::with_capacity(workload.commands_count() as usize);
    for command in workload.commands() {
        let id = command.order_id().clone();
        let current = orders.remove(&id);
        let decided = decide(current.as_ref(), &command).expect("generated commands are valid");
        let mut next = current;
        for event in decided {
            next = Some(apply(next, &id, &event).expect("decided events apply"));
            events.push((id.clone(), next.as_ref().map_or(0, |o| o.version), event));
        }
        if let Some(order) = next {
            orders.insert(id, order);
        }
    }
    events
}

/// The floor of a bulk append: the same rows, already serialized and hashed, inserted by a
/// bare `prepare_cached` loop on the same schema and settings, in the same batches.
fn insert_floor(path: &Path, events: &[(OrderId, u64, Event)]) -> anyhow::Result<Duration> {
    let store = EventStore::open(&Location::NewFile(path.to_path_buf()), 1)?;
    let mut previous = chain::GENESIS;
    let rows: Vec<(i64, &str, i64, &str, String, chain::Hash)> = events
        .iter()
        .enumerate()
        .map(|(i, (id, version, event))| {
            let payload = event.payload_json();
            previous = chain::link(
                &previous,
                i as i64 + 1,
                id.as_str(),
                *version as i64,
                event.event_type(),
                &payload,
                None,
            );
            (
                i as i64 + 1,
                id.as_str(),
                *version as i64,
                event.event_type(),
                payload,
                previous,
            )
        })
        .collect();
    let conn = store.connection();
    let started = Instant::now();
    for batch in rows.chunks(10_000) {
        conn.execute_batch("BEGIN")?;
        let mut insert = conn.prepare_cached(
            "INSERT INTO events (event_id, stream_id, stream_version, event_type, payload, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (id, stream, version, event_type, payload, hash) in batch {
            insert.execute(params![
                id,
                stream,
                version,
                event_type,
                payload,
                hash.as_slice()
            ])?;
        }
        conn.execute_batch("COMMIT")?;
    }
    Ok(started.elapsed())
}

/// Phase 3, with its metric and target.
pub(super) fn bulk(bench: &mut Bench) -> anyhow::Result<()> {
    // 3. Bulk append of the same events in large transactions, next to a bare INSERT loop.
    let events = decided_events(&bench.options.workload);
    let bulk = bench.fresh("bulk")?;
    let (mut bulk_time, mut floor_time) = (Duration::MAX, Duration::MAX);
    for round in 0..3 {
        let mut store = EventStore::open(
            &Location::NewFile(bulk.join(format!("events-{round}.sqlite3"))),
            1,
        )?;
        let started = Instant::now();
        store.import(
            events
                .iter()
                .map(|(id, version, event)| (id, *version, event)),
            10_000,
        )?;
        bulk_time = bulk_time.min(started.elapsed());
        let floor = insert_floor(&bulk.join(format!("floor-{round}.sqlite3")), &events)?;
        floor_time = floor_time.min(floor);
    }
    let count = events.len() as u64;
    bench
        .metrics
        .push(metric("bulk append", "ES", count, "events", bulk_time));
    bench.metrics.push(metric(
        "floor: bare prepare_cached INSERT",
        "SQLite",
        count,
        "events",
        floor_time,
    ));
    bench.targets.push(at_least(
        "ES bulk append ÷ bare INSERT floor",
        floor_time.as_secs_f64() / bulk_time.as_secs_f64(),
        0.8,
    ));

    Ok(())
}
