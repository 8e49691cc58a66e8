//! `eslab bench --store URL`: what a room costs on a PostgreSQL server. Commands per second
//! with 1, 4 and 16 writers at once, each on its own connection, for both designs, beside the
//! same server's floor: a bare INSERT, one transaction per command, as `pgbench` runs one.
//! Every event-sourced append takes its turn at the log's head row through its commit (ids
//! gap-free and in commit order), so what the floor reaches beyond it with more writers is
//! what that ordering costs.
//!
//! It runs in a scratch room made for it and dropped after it (`pg::in_scratch_room`).

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::domain::{Command, Money, OrderId, PlaceOrder};
use crate::pg::{self, Store};
use crate::service::OrderService;

/// The writer counts measured.
pub(crate) const WRITERS: [usize; 3] = [1, 4, 16];

/// What one measurement ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Measured {
    /// A bare INSERT, one transaction each: the server's floor.
    Floor,
    Crud,
    Es,
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
        self.commands as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }
}

/// Measures every design at every writer count, `per_writer` commands each, in a scratch
/// room named `room` on the server at `url` (as a user allowed to create schemas).
pub(crate) fn run(url: &str, room: &str, per_writer: u64) -> anyhow::Result<Vec<Rate>> {
    let store = Store::new(url, room)?;
    let floor = "CREATE TABLE floor (id bigserial PRIMARY KEY, payload text NOT NULL);";
    pg::in_scratch_room(&store.url, &store.room, floor, |store| {
        let mut rates = Vec::new();
        for writers in WRITERS {
            for measured in [Measured::Floor, Measured::Crud, Measured::Es] {
                rates.push(measure(store, measured, writers, per_writer)?);
            }
        }
        Ok(rates)
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
                let mut writer = Writer::open(&store, measured)?;
                start.wait();
                for i in 0..per_writer {
                    writer.command(&format!("{prefix}{i}"))?;
                }
                Ok(())
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    for thread in threads {
        thread
            .join()
            .map_err(|_| anyhow::anyhow!("a bench writer stopped"))??;
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
