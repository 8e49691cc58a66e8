//! The one rule for a report's sums, shared by every report and by both designs.

/// The largest sum a report adds up to (in cents, or units): what a SQLite integer holds, so
/// that every design keeps the same sums and a report past it is refused alike by all.
pub(crate) const MAX_SUM: u64 = i64::MAX as u64;

/// A report whose sum would pass `MAX_SUM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumTooLarge;

/// The one rule for adding to a report's sum: refused past `MAX_SUM`.
pub(crate) fn add_to_sum(sum: u64, value: u64) -> Result<u64, SumTooLarge> {
    sum.checked_add(value)
        .filter(|&total| total <= MAX_SUM)
        .ok_or(SumTooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_stops_at_what_an_sqlite_integer_holds() {
        assert_eq!(add_to_sum(MAX_SUM - 1, 1), Ok(MAX_SUM));
        assert_eq!(add_to_sum(MAX_SUM, 1), Err(SumTooLarge));
        assert_eq!(add_to_sum(u64::MAX, 1), Err(SumTooLarge));
        assert_eq!(MAX_SUM, i64::MAX as u64);
    }
}
