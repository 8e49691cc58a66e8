//! Money as integer cents: no floating point anywhere near a total.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// An amount of money in cents, never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(u64);

/// The largest amount a file may hold: anything above is an input error, not a rule.
/// Keeps every product of a valid quantity and price far inside `u64`.
const MAX_CENTS: u64 = 999_999_999_999_999;

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: u64) -> Money {
        Money(cents)
    }

    pub const fn cents(self) -> u64 {
        self.0
    }

    pub fn checked_mul(self, factor: u64) -> Option<Money> {
        self.0.checked_mul(factor).map(Money)
    }

    /// Reads an amount as a scenario writes it in a string, anywhere money goes (commands and
    /// expectations alike): a plain decimal, or as eslab prints it, with a `$`: `"60"`,
    /// `"10.50"`, `"$10.50"`.
    pub fn parse_written(text: &str) -> Result<Money, String> {
        let trimmed = text.trim();
        Money::parse_dollars(trimmed.strip_prefix('$').unwrap_or(trimmed))
    }

    /// Reads dollars written as a plain decimal with at most two decimals: `60`, `10.5`, `10.50`.
    pub fn parse_dollars(text: &str) -> Result<Money, String> {
        let text = text.trim();
        if text.starts_with('-') {
            return Err(format!(
                "`{text}` is negative: amounts are never below $0.00"
            ));
        }
        let (whole, fraction) = match text.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (text, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || text.ends_with('.') {
            return Err(format!(
                "`{text}` is not an amount in dollars (write it like 60, 10.5, \"10.50\" or \"$10.50\")"
            ));
        }
        if fraction.len() > 2 {
            return Err(format!(
                "`{text}` has more than two decimals: amounts are dollars and cents"
            ));
        }
        let too_large = || format!("`{text}` is too large for an amount");
        let whole = whole.trim_start_matches('0');
        if whole.len() > 13 {
            return Err(too_large());
        }
        let dollars: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| too_large())?
        };
        let cents: u64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<u64>().unwrap_or(0) * 10,
            _ => fraction.parse::<u64>().unwrap_or(0),
        };
        let total = dollars * 100 + cents;
        if total > MAX_CENTS {
            return Err(too_large());
        }
        Ok(Money(total))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Serialized as a decimal string of dollars ("60.00"): exact, and readable in JSON and SQLite.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{}.{:02}", self.0 / 100, self.0 % 100))
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        struct DollarsVisitor;

        impl Visitor<'_> for DollarsVisitor {
            type Value = Money;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an amount in dollars, as a number or a string (60, \"10.50\", \"$10.50\")",
                )
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
                Money::parse_dollars(&v.to_string()).map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
                Money::parse_dollars(&v.to_string()).map_err(E::custom)
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
                if !v.is_finite() {
                    return Err(E::custom("an amount must be a finite number"));
                }
                if v.is_sign_negative() && v != 0.0 {
                    return Err(E::custom(format!(
                        "`{v}` is negative: amounts are never below $0.00"
                    )));
                }
                if v.abs() >= (MAX_CENTS / 100 + 1) as f64 {
                    return Err(E::custom("the amount is too large"));
                }
                // The shortest text that reads back as this float is what the file said,
                // so counting its decimals is exact (`10.5` → "10.5", `10.123` → "10.123").
                let text = serde_json::Number::from_f64(v.abs())
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                Money::parse_dollars(&text).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                Money::parse_written(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(DollarsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_json(json: &str) -> Result<Money, String> {
        serde_json::from_str::<Money>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_numbers_and_strings_with_up_to_two_decimals() {
        assert_eq!(parse_json("60"), Ok(Money::from_cents(6000)));
        assert_eq!(parse_json("\"60\""), Ok(Money::from_cents(6000)));
        assert_eq!(parse_json("10.5"), Ok(Money::from_cents(1050)));
        assert_eq!(parse_json("\"10.50\""), Ok(Money::from_cents(1050)));
        assert_eq!(parse_json("0.01"), Ok(Money::from_cents(1)));
        assert_eq!(parse_json("0"), Ok(Money::ZERO));
        assert_eq!(parse_json("-0"), Ok(Money::ZERO));
    }

    #[test]
    fn reads_strings_as_eslab_prints_them() {
        assert_eq!(parse_json("\"$60.00\""), Ok(Money::from_cents(6000)));
        assert_eq!(parse_json("\"$10.5\""), Ok(Money::from_cents(1050)));
        assert_eq!(parse_json("\" $7 \""), Ok(Money::from_cents(700)));
        for bad in [
            "\"$\"",
            "\"$$5\"",
            "\"$-5\"",
            "\"5$\"",
            "\"$1.234\"",
            "\"US$5\"",
        ] {
            assert!(parse_json(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn refuses_what_is_not_an_amount() {
        for bad in [
            "10.123",
            "\"10.123\"",
            "-1",
            "-0.5",
            "\"-3\"",
            "\"ten\"",
            "\"\"",
            "\"1.\"",
            "\".5\"",
            "\"1e3\"",
            "1e400",
            "1e20",
            "18446744073709551616",
            "\"99999999999999999999\"",
            "true",
            "null",
        ] {
            assert!(parse_json(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn prints_dollars_and_cents() {
        assert_eq!(Money::from_cents(6000).to_string(), "$60.00");
        assert_eq!(Money::from_cents(5).to_string(), "$0.05");
        assert_eq!(
            serde_json::to_string(&Money::from_cents(1050)).unwrap(),
            "\"10.50\""
        );
    }
}
