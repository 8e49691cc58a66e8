//! A step's `expect`: what it must come to, and which expectations fit which step.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::Action;
use crate::domain::{Actor, Money, Status, Timestamp};
use crate::service::Question;

/// A step's expectation. Commands take `ok` or `rejected`; commands and queries take the
/// order's fields; reports take a `row` that must be in the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    /// A substring of the rejection's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    /// Whether the order exists at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// Checked only where the design keeps a version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// For commands: the id of the first event appended. Checked only against event
    /// sourcing, the design that has event ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<u64>,
    /// For reports: `column → value` of a row that must be in the report. A value is written
    /// as a string or a number (`"orders": 1`), kept as its text; see `expect::cell_matches`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_row"
    )]
    pub row: Option<BTreeMap<String, String>>,
    /// For histories: who made the order's latest change. Both designs can say: the log's
    /// last event, the row's `updated_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_by: Option<Actor>,
    /// For histories: when the order's latest change was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_changed_at: Option<Timestamp>,
}

/// A row's values: strings, or numbers kept as the text the file wrote.
fn deserialize_row<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    struct CellText(String);

    impl<'de> Deserialize<'de> for CellText {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CellText, D::Error> {
            struct CellVisitor;

            impl Visitor<'_> for CellVisitor {
                type Value = CellText;

                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a cell's value, as a string or a number")
                }

                fn visit_str<E: de::Error>(self, v: &str) -> Result<CellText, E> {
                    Ok(CellText(v.to_string()))
                }

                fn visit_u64<E: de::Error>(self, v: u64) -> Result<CellText, E> {
                    Ok(CellText(v.to_string()))
                }

                fn visit_i64<E: de::Error>(self, v: i64) -> Result<CellText, E> {
                    Ok(CellText(v.to_string()))
                }

                fn visit_f64<E: de::Error>(self, v: f64) -> Result<CellText, E> {
                    // The shortest text that reads back as this float: what the file said.
                    serde_json::Number::from_f64(v)
                        .map(|n| CellText(n.to_string()))
                        .ok_or_else(|| E::custom("a cell's value must be a finite number"))
                }
            }

            deserializer.deserialize_any(CellVisitor)
        }
    }

    let row = BTreeMap::<String, CellText>::deserialize(deserializer)?;
    Ok(Some(
        row.into_iter()
            .map(|(column, CellText(value))| (column, value))
            .collect(),
    ))
}

impl Expect {
    pub fn expects_state(&self) -> bool {
        self.exists.is_some()
            || self.customer.is_some()
            || self.product.is_some()
            || self.quantity.is_some()
            || self.unit_price.is_some()
            || self.total.is_some()
            || self.paid.is_some()
            || self.status.is_some()
            || self.version.is_some()
    }

    /// Whether the step expects who made the latest change, or when.
    pub fn expects_last_change(&self) -> bool {
        self.last_changed_by.is_some() || self.last_changed_at.is_some()
    }

    /// Which expectations make sense for which step.
    pub(super) fn fits(&self, action: &Action) -> Result<(), String> {
        let outcome = self.ok.is_some() || self.rejected.is_some();
        let history = matches!(action, Action::Question(Question::History(_)));
        let problem = match action {
            _ if self.expects_last_change() && !history => {
                Some("`last_changed_by` and `last_changed_at` are for history steps")
            }
            Action::Question(Question::History(_))
                if outcome
                    || self.row.is_some()
                    || self.event_id.is_some()
                    || self.expects_state()
                    || !self.expects_last_change() =>
            {
                Some("a history expects `last_changed_by` or `last_changed_at`")
            }
            Action::Question(Question::History(_)) => None,
            Action::Command(_) if self.row.is_some() => Some("`row` is for report steps"),
            Action::Command(_) if self.ok.is_some() && self.rejected.is_some() => {
                Some("expect either `ok` or `rejected`, not both")
            }
            Action::Command(_) if self.rejected.is_some() && self.expects_state() => {
                Some("a rejected command leaves no new state to expect")
            }
            Action::Command(_)
                if self.event_id.is_some()
                    && (self.rejected.is_some() || self.ok == Some(false)) =>
            {
                Some("a rejected command appends no event to expect")
            }
            Action::Command(_) => None,
            _ if self.event_id.is_some() => Some("`event_id` is for command steps"),
            Action::Question(Question::Query(_)) if outcome || self.row.is_some() => {
                Some("a query expects the order's fields (status, quantity, total, …)")
            }
            Action::Question(Question::Query(_)) => None,
            Action::Question(Question::Report(_)) if outcome || self.expects_state() => {
                Some("a report expects a `row`")
            }
            Action::Question(Question::Report(_)) => None,
            Action::View(_) | Action::Deploy(_) => Some("this step takes no expectations"),
        };
        match problem {
            Some(problem) => Err(format!("expect: {problem}")),
            None => Ok(()),
        }
    }
}
