//! Who and when: the metadata a command carries into what it stores. Event sourcing keeps it
//! on every event's envelope; CRUD keeps it on the row, where each write replaces the last.
//!
//! Times are the scenario's, never the clock's, so a run's output is the same every time.
//! They are written in one form only, RFC 3339 in UTC with whole seconds
//! (`2026-03-01T10:15:00Z`): that one fixed-width form is read and written by hand here,
//! which is simpler to get exactly right than to restrict a general date library to it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// A moment in UTC, to the second: seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// What a time must look like, for error messages.
pub(crate) const TIME_FORM: &str = "an RFC 3339 time in UTC, like 2026-03-01T10:15:00Z";

/// Years eslab accepts: four digits, as the form has them.
const YEARS: std::ops::RangeInclusive<i64> = 1..=9999;

impl Timestamp {
    /// Reads `YYYY-MM-DDTHH:MM:SSZ` exactly: no other offset, no fraction, no lowercase,
    /// no leap second; the date must exist (2026-02-29 does not).
    pub fn parse(text: &str) -> Result<Timestamp, String> {
        let bad = |why: &str| format!("{text:?} is not {TIME_FORM}: {why}");
        let bytes = text.as_bytes();
        if bytes.len() != 20 {
            return Err(bad("it must be 20 characters, ending in Z"));
        }
        for (i, expected) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ] {
            if bytes[i] != expected {
                return Err(bad(&format!(
                    "character {} must be {:?}",
                    i + 1,
                    expected as char
                )));
            }
        }
        let number = |from: usize, to: usize| -> Result<i64, String> {
            let digits = &text[from..to];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!("{digits:?} must be digits")));
            }
            Ok(digits.parse::<i64>().expect("ASCII digits"))
        };
        let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
        let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
        if !YEARS.contains(&year) {
            return Err(bad("the year must be from 0001 to 9999"));
        }
        if !(1..=12).contains(&month) {
            return Err(bad("the month must be from 01 to 12"));
        }
        if !(1..=days_in_month(year, month)).contains(&day) {
            return Err(bad(&format!("{year:04}-{month:02} has no day {day:02}")));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("the time must be from 00:00:00 to 23:59:59"));
        }
        let days = days_from_civil(year, month, day);
        Ok(Timestamp(
            days * 86_400 + hour * 3600 + minute * 60 + second,
        ))
    }

    /// This time plus `seconds`, if it stays within the years the form can write.
    pub fn plus_seconds(self, seconds: i64) -> Option<Timestamp> {
        let next = Timestamp(self.0.checked_add(seconds)?);
        YEARS.contains(&next.civil().0).then_some(next)
    }

    /// (year, month, day, hour, minute, second).
    fn civil(self) -> (i64, i64, i64, i64, i64, i64) {
        let (days, rest) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day, hour, minute, second) = self.civil();
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z"
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(de::Error::custom)
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of `days_from_civil`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Who did something: a name a scenario gives (`"by": "support"`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Actor(String);

/// An actor's name is at most this many characters.
pub(crate) const MAX_ACTOR_CHARS: usize = 40;

impl Actor {
    /// A name of 1 to 40 letters, digits, and `-`, `_`, `.`, `@`: one word, so that it reads
    /// unambiguously in a sentence and a table cell.
    pub fn new(name: impl Into<String>) -> Result<Actor, String> {
        let name = name.into();
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
        if name.is_empty() {
            return Err("`by` must name someone, not be empty".into());
        }
        if name.chars().count() > MAX_ACTOR_CHARS {
            return Err(format!(
                "`by` is at most {MAX_ACTOR_CHARS} characters, not {}",
                name.chars().count()
            ));
        }
        if let Some(c) = name.chars().find(|&c| !allowed(c)) {
            return Err(format!(
                "`by` {name:?} may hold only letters, digits, '-', '_', '.' and '@', not {c:?}"
            ));
        }
        Ok(Actor(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Actor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Actor, D::Error> {
        Actor::new(String::deserialize(deserializer)?).map_err(de::Error::custom)
    }
}

/// What a command carries into what it stores: when it was recorded, by whom, and what caused
/// it. `causation_id` names the command (`command-3`: the command of step 3);
/// `correlation_id` names the run it belongs to (`run-` and a digest of the scenario's
/// title), so that every event a scenario caused can be found together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub recorded_at: Timestamp,
    pub actor: Actor,
    pub causation_id: String,
    pub correlation_id: String,
}

impl Metadata {
    /// The canonical text of these fields, as the hash chain covers them.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).expect("metadata serializes")
    }
}

/// Who last wrote a row, and when: all a CRUD row keeps of its writers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastWrite {
    pub at: Timestamp,
    pub by: Actor,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_in_their_one_form() {
        for text in [
            "2026-03-01T10:15:00Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Timestamp::parse("1970-01-02T00:00:01Z").unwrap().0, 86_401);
        let start = Timestamp::parse("2026-12-31T23:59:00Z").unwrap();
        assert_eq!(
            start.plus_seconds(60).unwrap().to_string(),
            "2027-01-01T00:00:00Z"
        );
        assert!(
            Timestamp::parse("9999-12-31T23:59:59Z")
                .unwrap()
                .plus_seconds(1)
                .is_none()
        );
    }

    #[test]
    fn anything_else_is_refused() {
        for text in [
            "",
            "2026-03-01",
            "2026-03-01 10:15:00Z",
            "2026-03-01t10:15:00z",
            "2026-03-01T10:15:00+00:00",
            "2026-03-01T10:15:00.5Z",
            "2026-03-01T10:15Z",
            "2026-02-29T10:15:00Z",
            "2026-13-01T10:15:00Z",
            "2026-00-01T10:15:00Z",
            "2026-04-31T10:15:00Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:60:00Z",
            "2026-03-01T10:15:60Z",
            "0000-03-01T10:15:00Z",
            "+026-03-01T10:15:00Z",
            "2026-03-0١T10:15:00Z",
            "yesterday",
        ] {
            let error = Timestamp::parse(text).unwrap_err();
            assert!(error.contains(TIME_FORM), "{text}: {error}");
        }
    }

    #[test]
    fn an_actor_is_one_word() {
        assert_eq!(Actor::new("support").unwrap().as_str(), "support");
        assert!(Actor::new("ana.o@shop-1").is_ok());
        assert!(Actor::new("").is_err());
        assert!(Actor::new("two words").is_err());
        assert!(Actor::new("bell\u{7}").is_err());
        assert!(Actor::new("x".repeat(41)).is_err());
    }
}
