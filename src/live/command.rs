//! The commands an instructor types, one per line: `place A1 Bob Book 5 10`, `change A1 6 @1`,
//! `pay A1 60`, `cancel A1 changed my mind`, `query A1 @2002`, `history A1`, `crash`,
//! `rebuild`, `report NAME`, `save FILE`. A typed command becomes a scenario step, read by the
//! scenario reader itself, so it is checked exactly as the same step in a file would be.

use std::path::PathBuf;

use serde::de::Deserialize;
use serde_json::{Map, Value, json};

use crate::scenario::Step;

/// What one typed line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    /// A step to run on both designs.
    Step(Box<Step>),
    /// Write everything run so far as a scenario file.
    Save(PathBuf),
}

/// The commands as the help and the README list them.
pub(crate) const USAGE: &str = "place ORDER CUSTOMER PRODUCT QUANTITY PRICE · change ORDER QUANTITY [@VERSION] · pay ORDER AMOUNT [@VERSION] · cancel ORDER REASON… [@VERSION] · query ORDER [@EVENT] · history ORDER · crash · rebuild · report NAME · save FILE";

/// Reads one line; `Ok(None)` for a blank line or a `#` comment. The leading `:` is optional.
pub(crate) fn parse(line: &str) -> Result<Option<Input>, String> {
    let line = line.trim();
    let line = line.strip_prefix(':').unwrap_or(line).trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    if let "save" | "w" = word {
        return match rest {
            "" => Err("save FILE: give the file to write the scenario to".into()),
            file => Ok(Some(Input::Save(PathBuf::from(file)))),
        };
    }
    let args: Vec<&str> = rest.split_whitespace().collect();
    let (key, fields) = step_fields(word, &args)?;
    let mut step = Map::new();
    step.insert(key.to_string(), fields);
    Step::deserialize(Value::Object(step))
        .map(|step| Some(Input::Step(Box::new(step))))
        .map_err(|e| format!("{key}: {e}"))
}

/// The step a command word and its arguments stand for: its key in a scenario file, and its
/// fields as the file would write them.
fn step_fields(word: &str, args: &[&str]) -> Result<(&'static str, Value), String> {
    Ok(match word {
        "place" | "place_order" => ("place_order", place(args)?),
        "change" | "change_quantity" => ("change_quantity", change(args)?),
        "pay" => ("pay", pay(args)?),
        "cancel" => ("cancel", cancel(args)?),
        "query" => ("query", query(args)?),
        "history" => {
            let [order_id] = args[..] else {
                return Err(usage("history ORDER, e.g. history A1"));
            };
            ("history", json!({"order_id": order_id}))
        }
        "report" => {
            let [name] = args[..] else {
                return Err(usage(
                    "report NAME, e.g. report revenue-per-customer (see `eslab reports`)",
                ));
            };
            ("report", json!({"name": name}))
        }
        "crash" | "crash_view" if args.is_empty() => ("crash_view", json!({})),
        "rebuild" | "rebuild_view" if args.is_empty() => ("rebuild_view", json!({})),
        "crash" | "crash_view" | "rebuild" | "rebuild_view" => {
            return Err(usage(&format!("{word} takes nothing after it")));
        }
        other => {
            return Err(format!(
                "unknown command `{}`: {USAGE}",
                crate::sanitize::clean(other)
            ));
        }
    })
}

/// `place ORDER CUSTOMER PRODUCT QUANTITY PRICE`.
fn place(args: &[&str]) -> Result<Value, String> {
    let [order_id, customer, product, quantity, unit_price] = args[..] else {
        return Err(usage(
            "place ORDER CUSTOMER PRODUCT QUANTITY PRICE, e.g. place A1 Bob Book 5 10",
        ));
    };
    Ok(json!({
        "order_id": order_id,
        "customer": customer,
        "product": product,
        "quantity": number(quantity),
        "unit_price": number(unit_price),
    }))
}

/// `change ORDER QUANTITY [@VERSION]`.
fn change(args: &[&str]) -> Result<Value, String> {
    let (args, version) = version(args)?;
    let [order_id, quantity] = args[..] else {
        return Err(usage("change ORDER QUANTITY [@VERSION], e.g. change A1 6"));
    };
    Ok(with_version(
        json!({"order_id": order_id, "quantity": number(quantity)}),
        version,
    ))
}

/// `pay ORDER AMOUNT [@VERSION]`.
fn pay(args: &[&str]) -> Result<Value, String> {
    let (args, version) = version(args)?;
    let [order_id, amount] = args[..] else {
        return Err(usage("pay ORDER AMOUNT [@VERSION], e.g. pay A1 60"));
    };
    Ok(with_version(
        json!({"order_id": order_id, "amount": number(amount)}),
        version,
    ))
}

/// `cancel ORDER REASON… [@VERSION]`: the reason is every word after the order.
fn cancel(args: &[&str]) -> Result<Value, String> {
    let (args, version) = version(args)?;
    let [order_id, reason @ ..] = &args[..] else {
        return Err(usage(
            "cancel ORDER REASON… [@VERSION], e.g. cancel A1 changed my mind",
        ));
    };
    if reason.is_empty() {
        return Err(usage(
            "cancel ORDER REASON… [@VERSION]: say why, e.g. cancel A1 changed my mind",
        ));
    }
    Ok(with_version(
        json!({"order_id": order_id, "reason": reason.join(" ")}),
        version,
    ))
}

/// `query ORDER [@EVENT]`: the order now, or as of an event.
fn query(args: &[&str]) -> Result<Value, String> {
    let (args, as_of) = version(args)?;
    let [order_id] = args[..] else {
        return Err(usage(
            "query ORDER [@EVENT], e.g. query A1 or query A1 @2002",
        ));
    };
    let mut fields = json!({"order_id": order_id});
    if let Some(as_of) = as_of {
        fields["as_of"] = json!(as_of);
    }
    Ok(fields)
}

fn usage(form: &str) -> String {
    format!("usage: {form}")
}

/// A number as the scenario file would write it, so the reader checks it as it checks a file;
/// anything else stays text and is refused there with the file's own message.
fn number(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(value @ Value::Number(_)) => value,
        _ => Value::String(text.to_string()),
    }
}

/// Splits a trailing `@N` (the version the writer read, or the event to travel to) off the words.
fn version<'a>(args: &[&'a str]) -> Result<(Vec<&'a str>, Option<u64>), String> {
    match args.split_last() {
        Some((last, rest)) if last.starts_with('@') => {
            let n = last[1..].parse::<u64>().map_err(|_| {
                format!(
                    "`{}`: after @ comes a whole number (a version or an event id)",
                    crate::sanitize::clean(last)
                )
            })?;
            Ok((rest.to_vec(), Some(n)))
        }
        _ => Ok((args.to_vec(), None)),
    }
}

fn with_version(mut fields: Value, version: Option<u64>) -> Value {
    if let Some(version) = version {
        fields["expected_version"] = json!(version);
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Action;

    fn step(line: &str) -> Step {
        match parse(line) {
            Ok(Some(Input::Step(step))) => *step,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn as_json(line: &str) -> String {
        serde_json::to_string(&step(line).action).unwrap()
    }

    #[test]
    fn every_command_reads_as_the_step_a_file_would_hold() {
        let cases = [
            (
                "place A1 Bob Book 5 10",
                r#"{"place_order":{"order_id":"A1","customer":"Bob","product":"Book","quantity":5,"unit_price":"10.00"}}"#,
            ),
            (
                ":change A1 6",
                r#"{"change_quantity":{"order_id":"A1","quantity":6}}"#,
            ),
            (
                "change A1 7 @1",
                r#"{"change_quantity":{"order_id":"A1","quantity":7,"expected_version":1}}"#,
            ),
            ("pay A1 60", r#"{"pay":{"order_id":"A1","amount":"60.00"}}"#),
            (
                "cancel A1 changed my mind",
                r#"{"cancel":{"order_id":"A1","reason":"changed my mind"}}"#,
            ),
            ("query A1", r#"{"query":{"order_id":"A1"}}"#),
            (
                "query A1 @2002",
                r#"{"query":{"order_id":"A1","as_of":2002}}"#,
            ),
            ("history A1", r#"{"history":{"order_id":"A1"}}"#),
            ("crash", r#"{"crash_view":{}}"#),
            (": rebuild", r#"{"rebuild_view":{}}"#),
            (
                "report revenue-per-customer",
                r#"{"report":{"name":"revenue-per-customer"}}"#,
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(as_json(line), expected, "{line}");
        }
        assert!(matches!(step("crash").action, Action::View(_)));
    }

    #[test]
    fn blank_lines_and_comments_are_nothing_and_save_names_a_file() {
        assert_eq!(parse("  "), Ok(None));
        assert_eq!(parse("# a comment"), Ok(None));
        assert_eq!(
            parse(":save out.json"),
            Ok(Some(Input::Save(PathBuf::from("out.json"))))
        );
        assert!(parse("save").unwrap_err().contains("give the file"));
    }

    #[test]
    fn a_bad_command_says_what_is_wrong_in_the_file_readers_words() {
        let cases = [
            ("ship A1", "unknown command `ship`"),
            ("place A1 Bob Book 5", "usage: place ORDER"),
            ("pay A1 10.123", "more than two decimals"),
            ("change A1 six", "quantity"),
            ("change A1 6 @x", "after @ comes a whole number"),
            ("report nonesuch", "report: no report named `nonesuch`"),
            ("crash now", "crash takes nothing"),
            ("cancel A1", "say why"),
        ];
        for (line, expected) in cases {
            let message = parse(line).unwrap_err();
            assert!(
                message.contains(expected),
                "{line:?}: {message:?} should contain {expected:?}"
            );
        }
    }
}
