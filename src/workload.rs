//! Generated workloads for `eslab bench` and `eslab generate`: seeded, so the same arguments
//! always give the same commands.

use std::rc::Rc;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde_json::json;

use crate::domain::{ChangeQuantity, Command, Money, OrderId, Pay, PlaceOrder};
use crate::json::write_indented;
use crate::scenario::Action;

/// The shape of a workload: every order is placed, changed `changes` times and paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    pub orders: u64,
    pub changes: u64,
    pub seed: u64,
}

impl Workload {
    pub fn commands_count(&self) -> u64 {
        self.orders * (self.changes + 2)
    }

    /// The commands in the order they run. Orders advance in rounds (every order placed, then
    /// every order's first change, …), so streams interleave in the log as they would live.
    pub fn commands(&self) -> impl Iterator<Item = Command> + '_ {
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        // Each order's price and quantities, drawn once up front so the rounds agree.
        let plans: Rc<Vec<(Money, Vec<u64>)>> = (0..self.orders)
            .map(|_| {
                let price = Money::from_cents(rng.random_range(100..=50_000));
                let quantities = (0..=self.changes)
                    .map(|_| rng.random_range(1..=20))
                    .collect();
                (price, quantities)
            })
            .collect::<Vec<_>>()
            .into();
        (0..self.changes + 2).flat_map(move |round| {
            let plans = Rc::clone(&plans);
            (0..self.orders).map(move |i| {
                let order_id = order_id(i);
                let (price, quantities) = &plans[i as usize];
                match round {
                    0 => Command::PlaceOrder(PlaceOrder {
                        order_id,
                        customer: format!("Customer {}", i % 997),
                        product: format!("Product {}", i % 31),
                        quantity: quantities[0],
                        unit_price: *price,
                    }),
                    r if r <= self.changes => Command::ChangeQuantity(ChangeQuantity {
                        order_id,
                        quantity: quantities[r as usize],
                        expected_version: None,
                        reason: None,
                    }),
                    _ => Command::Pay(Pay {
                        order_id,
                        amount: price
                            .checked_mul(quantities[self.changes as usize])
                            .expect("prices and quantities are small"),
                        expected_version: None,
                    }),
                }
            })
        })
    }

    /// Writes the workload as a scenario file, one step at a time: a million-step file never
    /// exists in memory. The bytes are those of `scenario_json` pretty-printed, plus a newline.
    pub fn write_scenario(&self, out: &mut impl std::io::Write) -> anyhow::Result<()> {
        // Keys in the order `json!` sorts them: description, steps, title.
        writeln!(out, "{{")?;
        writeln!(
            out,
            "  \"description\": {},",
            serde_json::to_string(DESCRIPTION)?
        )?;
        write!(out, "  \"steps\": [")?;
        for (i, command) in self.commands().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            write_indented(out, 2, &json!(Action::Command(command)))?;
        }
        let closing: &[u8] = if self.commands_count() == 0 {
            b"],\n"
        } else {
            b"\n  ],\n"
        };
        out.write_all(closing)?;
        writeln!(
            out,
            "  \"title\": {}",
            serde_json::to_string(&self.title())?
        )?;
        writeln!(out, "}}")?;
        Ok(())
    }

    fn title(&self) -> String {
        format!(
            "Generated: {} orders, {} changes each (seed {})",
            self.orders, self.changes, self.seed
        )
    }

    /// The workload as a scenario file's JSON.
    pub fn scenario_json(&self) -> serde_json::Value {
        let steps: Vec<serde_json::Value> = self
            .commands()
            .map(|command| json!(Action::Command(command)))
            .collect();
        json!({
            "title": self.title(),
            "description": DESCRIPTION,
            "steps": steps,
        })
    }
}

const DESCRIPTION: &str = "Made by `eslab generate`: every order is placed, changed, then paid.";

pub(crate) fn order_id(index: u64) -> OrderId {
    OrderId::new(format!("O{index:07}")).expect("generated ids are valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{apply, decide};
    use std::collections::BTreeMap;

    #[test]
    fn a_written_scenario_is_the_json_pretty_printed() {
        let workload = Workload {
            orders: 7,
            changes: 2,
            seed: 3,
        };
        let mut written = Vec::new();
        workload.write_scenario(&mut written).unwrap();
        let mut whole = serde_json::to_string_pretty(&workload.scenario_json()).unwrap();
        whole.push('\n');
        assert_eq!(String::from_utf8(written).unwrap(), whole);
    }

    #[test]
    fn the_same_seed_gives_the_same_commands_and_every_command_is_accepted() {
        let workload = Workload {
            orders: 20,
            changes: 3,
            seed: 7,
        };
        let commands: Vec<Command> = workload.commands().collect();
        assert_eq!(commands.len() as u64, workload.commands_count());
        assert_eq!(commands, workload.commands().collect::<Vec<_>>());
        let other = Workload {
            seed: 8,
            ..workload
        };
        assert_ne!(commands, other.commands().collect::<Vec<_>>());

        let mut orders = BTreeMap::new();
        for command in &commands {
            let id = command.order_id().clone();
            let current = orders.remove(&id);
            let events = decide(current.as_ref(), command).expect("generated commands are valid");
            let mut next = current;
            for event in &events {
                next = Some(apply(next, &id, event).unwrap());
            }
            orders.insert(id, next.unwrap());
        }
        assert!(
            orders
                .values()
                .all(|o| o.status == crate::domain::Status::Paid)
        );
    }
}
