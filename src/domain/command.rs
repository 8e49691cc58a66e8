//! What a person asks the order service to do. Commands may be refused; events may not.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::money::Money;

/// An order's id: the CRUD primary key and the event stream's id.
///
/// Validated when read, so that neither backend ever sees an id it cannot store or show.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct OrderId(String);

impl OrderId {
    pub const MAX_LEN: usize = 100;

    pub fn new(id: impl Into<String>) -> Result<OrderId, String> {
        let id = id.into();
        if id.is_empty() {
            return Err("an order id must not be empty".into());
        }
        if id.chars().count() > Self::MAX_LEN {
            return Err(format!(
                "an order id has at most {} characters (this one has {})",
                Self::MAX_LEN,
                id.chars().count()
            ));
        }
        if id.chars().any(char::is_control) {
            return Err(format!(
                "an order id must not contain control characters: {:?}",
                id
            ));
        }
        Ok(OrderId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id as input gives it (a scenario, a typed command): `new`'s rules, and two ids
    /// that print alike must not be two orders, so no space at either end, no space but the
    /// plain one, nothing invisible (zero-width, bidi controls, joiners). A log written
    /// before this rule still reads (`new`).
    pub fn input(id: impl Into<String>) -> Result<OrderId, String> {
        let id = OrderId::new(id)?.0;
        if id.trim() != id {
            return Err(format!(
                "an order id must not start or end with a space: {:?}",
                id
            ));
        }
        if let Some(c) = id
            .chars()
            .find(|&c| invisible(c) || (c.is_whitespace() && c != ' '))
        {
            return Err(format!(
                "an order id must not contain invisible characters or spaces other than a plain one (U+{:04X}): {:?} would print like another id",
                c as u32, id
            ));
        }
        Ok(OrderId(id))
    }
}

/// Whether `c` prints as nothing: Unicode's default-ignorable code points (zero-width spaces
/// and joiners, bidi controls, variation selectors, fillers, tags).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// Lets maps keyed by `OrderId` be searched with a plain `&str` (no allocation on replay).
impl std::borrow::Borrow<str> for OrderId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OrderId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<OrderId, D::Error> {
        let id = String::deserialize(deserializer)?;
        OrderId::input(id).map_err(de::Error::custom)
    }
}

/// Reads a quantity: any whole number that fits `u64` is readable (the rules judge its range);
/// a negative, fractional or overflowing number is an input error.
pub(crate) fn deserialize_quantity<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<u64, D::Error> {
    struct QuantityVisitor;

    impl Visitor<'_> for QuantityVisitor {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a quantity: a whole number such as 5")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| {
                E::custom(format!(
                    "quantity {v} is negative: it must be a whole number of items"
                ))
            })
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            if v == 0.0 {
                return Ok(0); // `-0` and `0.0` are still zero: a rule, not an input error, refuses it
            }
            if v.is_sign_negative() {
                return Err(E::custom(format!(
                    "quantity {v} is negative: it must be a whole number of items"
                )));
            }
            if v.fract() != 0.0 {
                return Err(E::custom(format!(
                    "quantity {v} is not a whole number of items"
                )));
            }
            // `5.0` and `1e3` are whole numbers; past 2^53 a float no longer says which one.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if v <= EXACT {
                return Ok(v as u64);
            }
            Err(E::custom(format!("quantity {v} is too large")))
        }
    }

    deserializer.deserialize_any(QuantityVisitor)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    pub order_id: OrderId,
    pub customer: String,
    pub product: String,
    #[serde(deserialize_with = "deserialize_quantity")]
    pub quantity: u64,
    pub unit_price: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeQuantity {
    pub order_id: OrderId,
    #[serde(deserialize_with = "deserialize_quantity")]
    pub quantity: u64,
    /// The version the actor read before deciding; `None`: write whatever is there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
    /// Why: kept where the design has a place for it (ModifyOrderEvent shape 2, or the
    /// `change_reason` column a migration adds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pay {
    pub order_id: OrderId,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    pub order_id: OrderId,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u64>,
}

/// One command, as both backends receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    PlaceOrder(PlaceOrder),
    ChangeQuantity(ChangeQuantity),
    Pay(Pay),
    Cancel(Cancel),
}

impl Command {
    /// The version the command was decided against, if the actor said.
    pub fn expected_version(&self) -> Option<u64> {
        match self {
            Command::PlaceOrder(_) => None,
            Command::ChangeQuantity(c) => c.expected_version,
            Command::Pay(c) => c.expected_version,
            Command::Cancel(c) => c.expected_version,
        }
    }

    /// The same command with no version to check: what a store that keeps no version executes.
    pub fn without_expected_version(&self) -> Command {
        let mut command = self.clone();
        match &mut command {
            Command::PlaceOrder(_) => {}
            Command::ChangeQuantity(c) => c.expected_version = None,
            Command::Pay(c) => c.expected_version = None,
            Command::Cancel(c) => c.expected_version = None,
        }
        command
    }

    pub fn order_id(&self) -> &OrderId {
        match self {
            Command::PlaceOrder(c) => &c.order_id,
            Command::ChangeQuantity(c) => &c.order_id,
            Command::Pay(c) => &c.order_id,
            Command::Cancel(c) => &c.order_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_checked_when_read() {
        assert!(OrderId::new("A1").is_ok());
        assert!(OrderId::new("'; DROP TABLE orders; --").is_ok());
        assert!(OrderId::new("").is_err());
        assert!(OrderId::new("x".repeat(10_000)).is_err());
        assert!(OrderId::new("A\u{1b}[31m").is_err());
        assert!(OrderId::new("A\n1").is_err());
    }

    #[test]
    fn quantities_are_whole_non_negative_numbers() {
        let read = |json: &str| {
            serde_json::from_str::<ChangeQuantity>(&format!(
                r#"{{"order_id": "A1", "quantity": {json}}}"#
            ))
            .map(|c| c.quantity)
        };
        assert_eq!(read("6").unwrap(), 6);
        assert_eq!(read("0").unwrap(), 0);
        assert_eq!(read("-0").unwrap(), 0);
        assert_eq!(read("5000000").unwrap(), 5_000_000);
        for bad in [
            "-1",
            "2.5",
            "18446744073709551616",
            "1e400",
            "\"6\"",
            "null",
        ] {
            assert!(read(bad).is_err(), "{bad} should be refused");
        }
    }
}
