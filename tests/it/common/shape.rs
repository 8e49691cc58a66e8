//! The documented JSON outputs, mirrored strictly: an unknown field, a missing field, a renamed
//! variant or a value of another type fails to deserialize. Nullable fields must be present;
//! optional fields are either absent or hold a value, never null.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// Required, but may be null.
fn nullable<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d)
}

/// Optional: absent (with `#[serde(default)]`) or a value, never null, as eslab leaves
/// out a field it has nothing for.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Money is a string of dollars with exactly two decimals: "60.00".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dollars(pub String);

impl<'de> Deserialize<'de> for Dollars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dollars, D::Error> {
        let text = String::deserialize(d)?;
        let ok = match text.split_once('.') {
            Some((whole, cents)) => {
                !whole.is_empty()
                    && whole.bytes().all(|b| b.is_ascii_digit())
                    && (whole == "0" || !whole.starts_with('0'))
                    && cents.len() == 2
                    && cents.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        };
        if ok {
            Ok(Dollars(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "{text:?} is not dollars and cents"
            )))
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Crud,
    Es,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Status {
    Placed,
    Paid,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportName {
    RevenuePerCustomer,
    QuantityChanges,
}

/// A read model defined in a scenario (`report.define`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    pub events: Vec<EventType>,
    pub group_by: String,
    pub keep: Vec<BTreeMap<String, Keep>>,
}

/// What a defined read model keeps in a column.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Keep {
    Count,
    Sum(String),
    Latest(String),
    FirstEventId,
    LastEventId,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInfo {
    pub name: String,
    pub title: String,
    #[serde(deserialize_with = "nullable")]
    pub description: Option<String>,
}

/// `{"place_order": {...}}`, the shape a step has in the scenario file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    PlaceOrder {
        order_id: String,
        customer: String,
        product: String,
        quantity: u64,
        unit_price: Dollars,
    },
    ChangeQuantity {
        order_id: String,
        quantity: u64,
        #[serde(default, deserialize_with = "present")]
        expected_version: Option<u64>,
        #[serde(default, deserialize_with = "present")]
        reason: Option<String>,
    },
    Pay {
        order_id: String,
        amount: Dollars,
        #[serde(default, deserialize_with = "present")]
        expected_version: Option<u64>,
    },
    Cancel {
        order_id: String,
        reason: String,
        #[serde(default, deserialize_with = "present")]
        expected_version: Option<u64>,
    },
    Query {
        order_id: String,
        #[serde(default, deserialize_with = "present")]
        as_of: Option<u64>,
    },
    History {
        order_id: String,
    },
    Report {
        name: String,
        #[serde(default, deserialize_with = "present")]
        define: Option<Projection>,
    },
    CrashView {},
    RebuildView {},
    Snapshot {},
    Deploy {
        event: EventType,
        version: u32,
    },
}

impl Action {
    /// The order the step is about, if it is about one.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Action::PlaceOrder { order_id, .. }
            | Action::ChangeQuantity { order_id, .. }
            | Action::Pay { order_id, .. }
            | Action::Cancel { order_id, .. }
            | Action::Query { order_id, .. }
            | Action::History { order_id } => Some(order_id),
            Action::Report { .. }
            | Action::CrashView {}
            | Action::RebuildView {}
            | Action::Snapshot {}
            | Action::Deploy { .. } => None,
        }
    }

    pub fn is_command(&self) -> bool {
        matches!(
            self,
            Action::PlaceOrder { .. }
                | Action::ChangeQuantity { .. }
                | Action::Pay { .. }
                | Action::Cancel { .. }
        )
    }

    pub fn is_question(&self) -> bool {
        matches!(
            self,
            Action::Query { .. } | Action::History { .. } | Action::Report { .. }
        )
    }
}

/// A step's `expect`, as the scenario file has it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, deserialize_with = "present")]
    pub ok: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub rejected: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub exists: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    pub customer: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub product: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub quantity: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    pub unit_price: Option<Dollars>,
    #[serde(default, deserialize_with = "present")]
    pub total: Option<Dollars>,
    #[serde(default, deserialize_with = "present")]
    pub paid: Option<Dollars>,
    #[serde(default, deserialize_with = "present")]
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "present")]
    pub version: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    pub event_id: Option<u64>,
    #[serde(default, deserialize_with = "present")]
    pub row: Option<BTreeMap<String, String>>,
    #[serde(default, deserialize_with = "present")]
    pub last_changed_by: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub last_changed_at: Option<UtcTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub order_id: String,
    pub customer: String,
    pub product: String,
    pub quantity: u64,
    pub unit_price: Dollars,
    pub total: Dollars,
    pub paid: Dollars,
    pub status: Status,
    #[serde(deserialize_with = "nullable")]
    pub version: Option<u64>,
}

/// A column value in a CRUD update, typed by its column as it is everywhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnValue {
    Count(u64),
    /// Money as SQLite holds it: whole cents (the `*_cents` columns).
    Cents(u64),
    Status(Status),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumnChange {
    column: String,
    old: Value,
    new: Value,
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "RawColumnChange")]
pub struct ColumnChange {
    pub column: String,
    pub old: ColumnValue,
    pub new: ColumnValue,
}

impl TryFrom<RawColumnChange> for ColumnChange {
    type Error = String;

    fn try_from(raw: RawColumnChange) -> Result<ColumnChange, String> {
        let read = |value: Value| -> Result<ColumnValue, String> {
            let typed = match raw.column.as_str() {
                // `version` only with --crud-locking.
                "quantity" | "version" => serde_json::from_value(value).map(ColumnValue::Count),
                "unit_price_cents" | "total_cents" | "paid_cents" => {
                    serde_json::from_value(value).map(ColumnValue::Cents)
                }
                "status" => serde_json::from_value(value).map(ColumnValue::Status),
                // Added by a migration (`deploy`).
                "change_reason" => serde_json::from_value(value).map(ColumnValue::Text),
                // Who last wrote the row, and when, overwritten by an update (schema 6).
                "updated_by" | "updated_at" => serde_json::from_value(value).map(ColumnValue::Text),
                "customer" | "product" => serde_json::from_value(value).map(ColumnValue::Text),
                other => return Err(format!("unknown column `{other}`")),
            };
            typed.map_err(|e| format!("column {}: {e}", raw.column))
        };
        Ok(ColumnChange {
            old: read(raw.old.clone())?,
            new: read(raw.new.clone())?,
            column: raw.column,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderEvent {
    pub customer: String,
    pub product: String,
    pub quantity: u64,
    pub unit_price: Dollars,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModifyOrderEvent {
    pub quantity: u64,
    /// Shape 2: absent when not recorded, never null.
    #[serde(default, deserialize_with = "present")]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderPaymentEvent {
    pub amount: Dollars,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderCancelledEvent {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum EventType {
    #[serde(rename = "NewOrderEvent")]
    NewOrder,
    #[serde(rename = "ModifyOrderEvent")]
    Modify,
    #[serde(rename = "OrderPaymentEvent")]
    Payment,
    #[serde(rename = "OrderCancelledEvent")]
    Cancelled,
}

/// A stored event as printed: the envelope plus `event_type` and `payload`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    event_id: u64,
    stream_id: String,
    stream_version: u64,
    schema_version: u32,
    event_type: EventType,
    payload: Value,
    #[serde(default, deserialize_with = "present")]
    metadata: Option<Metadata>,
}

/// A time as eslab writes it: RFC 3339 in UTC, whole seconds, `Z`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UtcTime(pub String);

impl<'de> Deserialize<'de> for UtcTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UtcTime, D::Error> {
        let text = String::deserialize(d)?;
        let shape = text.len() == 20
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                10 => b == b'T',
                13 | 16 => b == b':',
                19 => b == b'Z',
                _ => b.is_ascii_digit(),
            });
        if shape {
            Ok(UtcTime(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "{text:?} is not an RFC 3339 UTC time"
            )))
        }
    }
}

/// Who and when, in an event's envelope.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub recorded_at: UtcTime,
    pub actor: String,
    /// `command-N`: the command of step N.
    pub causation_id: String,
    /// `run-` and 12 hex digits of a digest of the scenario's title.
    pub correlation_id: String,
}

/// Who last wrote a CRUD row, and when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LastWrite {
    pub at: UtcTime,
    pub by: String,
}

#[derive(Debug)]
pub enum Payload {
    NewOrder(NewOrderEvent),
    Modify(ModifyOrderEvent),
    Payment(OrderPaymentEvent),
    Cancelled(OrderCancelledEvent),
}

#[derive(Debug, Deserialize)]
#[serde(try_from = "RawEvent")]
pub struct StoredEvent {
    pub event_id: u64,
    pub stream_id: String,
    pub stream_version: u64,
    /// The shape the payload was written in; `payload` is always the newest shape.
    pub schema_version: u32,
    /// Decoded strictly by `event_type`.
    pub payload: Payload,
    /// Absent on events written before envelopes kept who and when.
    pub metadata: Option<Metadata>,
}

impl TryFrom<RawEvent> for StoredEvent {
    type Error = String;

    fn try_from(raw: RawEvent) -> Result<StoredEvent, String> {
        let p = raw.payload;
        let payload = match raw.event_type {
            EventType::NewOrder => serde_json::from_value(p).map(Payload::NewOrder),
            EventType::Modify => serde_json::from_value(p).map(Payload::Modify),
            EventType::Payment => serde_json::from_value(p).map(Payload::Payment),
            EventType::Cancelled => serde_json::from_value(p).map(Payload::Cancelled),
        }
        .map_err(|e| format!("event {}: payload: {e}", raw.event_id))?;
        Ok(StoredEvent {
            event_id: raw.event_id,
            stream_id: raw.stream_id,
            stream_version: raw.stream_version,
            schema_version: raw.schema_version,
            payload,
            metadata: raw.metadata,
        })
    }
}

/// What a command did to storage: externally tagged.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Storage {
    Insert {
        table: String,
        row: State,
    },
    Update {
        table: String,
        order_id: String,
        changes: Vec<ColumnChange>,
    },
    Append {
        events: Vec<StoredEvent>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    name: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// A report's answer: a small table whose every row has a cell per column.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawReport")]
pub struct Report {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl TryFrom<RawReport> for Report {
    type Error = String;

    fn try_from(raw: RawReport) -> Result<Report, String> {
        if let Some(row) = raw.rows.iter().find(|r| r.len() != raw.columns.len()) {
            return Err(format!(
                "a row of {} cells under {} columns: {row:?}",
                row.len(),
                raw.columns.len()
            ));
        }
        Ok(Report {
            name: raw.name,
            columns: raw.columns,
            rows: raw.rows,
        })
    }
}

/// The rule a rejection names, with its values: internally tagged by `rule`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rejection {
    UnknownOrder {
        order_id: String,
    },
    DuplicateOrder {
        order_id: String,
    },
    QuantityOutOfRange {
        quantity: u64,
    },
    UnitPriceOutOfRange {
        unit_price: Dollars,
    },
    NotPlaced {
        order_id: String,
        status: Status,
        action: String,
    },
    WrongPayment {
        amount: Dollars,
        total: Dollars,
    },
    VersionConflict {
        order_id: String,
        expected: u64,
        actual: u64,
    },
}

/// Something a design could not do for a command it stored. (Variants are written `{}`,
/// never as units: serde lets a unit variant of a tagged enum carry unknown fields.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "caveat", rename_all = "snake_case", deny_unknown_fields)]
pub enum Caveat {
    VersionUnchecked {
        expected: u64,
    },
    NotKept {
        field: String,
        value: String,
        #[serde(default, deserialize_with = "present")]
        shape: Option<u32>,
    },
}

/// What a design adds about a stale write it refused, flattened beside the rejection.
#[derive(Debug, Deserialize)]
#[serde(tag = "evidence", rename_all = "snake_case", deny_unknown_fields)]
pub enum Evidence {
    MissedEvents { events: Vec<StoredEvent> },
    RowOnlyNewest {},
}

/// Where a design read a state from, flattened beside the answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum Source {
    Row {},
    View {
        #[serde(deserialize_with = "nullable")]
        checkpoint: Option<u64>,
    },
    Replay {
        as_of: u64,
    },
}

/// How a design built a report, flattened beside it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReportSource {
    Sql {
        #[serde(default, deserialize_with = "present")]
        query: Option<String>,
    },
    ReadModel {
        events: u64,
    },
}

/// Why a design cannot answer, flattened beside `outcome: unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case", deny_unknown_fields)]
pub enum Unanswerable {
    Overwritten { as_of: u64 },
    HistoryNotKept {},
    ReportNeedsHistory {},
    EventsNotKept { event_type: EventType },
    FieldOverwritten { field: String },
    NoEventOrder {},
    ViewDown {},
}

/// Why a step does not apply to a design, flattened beside `outcome: not_applicable`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case", deny_unknown_fields)]
pub enum Inapplicable {
    NoView {},
    ViewAlreadyDown {},
    DoneEarlier {},
    TableUnchanged {},
}

/// What one design did at one step: tagged by `outcome`, some variants with a typed fact
/// flattened beside their own fields. Read by `TryFrom`, since serde cannot both flatten
/// and deny unknown fields.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
// A test's shape check, read once per result: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    Applied {
        storage: Storage,
        /// Null while the design cannot read its own answer (the view is down).
        state: Option<State>,
        /// Absent when there is none; never an empty list.
        caveats: Vec<Caveat>,
    },
    Rejected {
        rejection: Rejection,
        /// The rule's own statement.
        reason: String,
        evidence: Option<Evidence>,
    },
    Answered {
        source: Source,
        state: Option<State>,
    },
    History {
        events: Vec<StoredEvent>,
    },
    Report {
        source: ReportSource,
        report: Report,
    },
    Unavailable {
        why: Unanswerable,
        latest: Option<State>,
        /// CRUD's history: who wrote the row last, and when.
        last_write: Option<LastWrite>,
    },
    ViewCrashed {
        orders_lost: usize,
        checkpoint: Option<u64>,
    },
    ViewRebuilt {
        replayed: u64,
        snapshot: Option<SnapshotStart>,
        checkpoint: Option<u64>,
        caught_up: u64,
        matches_live: bool,
        ignored_snapshot: Option<IgnoredSnapshot>,
    },
    SnapshotTaken {
        checkpoint: Option<u64>,
        orders: usize,
    },
    Deployed {
        event_type: EventType,
        from: u32,
        to: u32,
        older_in_log: u64,
    },
    Migrated {
        table: String,
        column: String,
        default: String,
        rows_filled: u64,
    },
    NotApplicable {
        why: Inapplicable,
    },
}

/// Where a rebuild started, when it started from a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotStart {
    pub checkpoint: u64,
    pub full_replay: u64,
}

/// The latest snapshot, when a rebuild did not use it: it does not match the log.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoredSnapshot {
    pub checkpoint: i64,
    pub fault: SnapshotFault,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotFault {
    Unsealed,
    NoSuchEvent,
    OtherHead,
    Edited,
    DoesNotDecode,
    DiffersFromReplay,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnapshotTaken {
    #[serde(deserialize_with = "nullable")]
    checkpoint: Option<u64>,
    orders: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeployed {
    event_type: EventType,
    from: u32,
    to: u32,
    older_in_log: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMigrated {
    table: String,
    column: String,
    default: String,
    rows_filled: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplied {
    storage: Storage,
    #[serde(deserialize_with = "nullable")]
    state: Option<State>,
    #[serde(default, deserialize_with = "present")]
    caveats: Option<Vec<Caveat>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    events: Vec<StoredEvent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawViewCrashed {
    orders_lost: usize,
    #[serde(deserialize_with = "nullable")]
    checkpoint: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawViewRebuilt {
    replayed: u64,
    #[serde(default, deserialize_with = "present")]
    snapshot: Option<SnapshotStart>,
    #[serde(deserialize_with = "nullable")]
    checkpoint: Option<u64>,
    caught_up: u64,
    matches_live: bool,
    #[serde(default, deserialize_with = "present")]
    ignored_snapshot: Option<IgnoredSnapshot>,
}

/// Removes and reads a field that must be there (a null reads as `None` for an `Option`).
fn take<T: serde::de::DeserializeOwned>(
    fields: &mut Map<String, Value>,
    name: &str,
) -> Result<T, String> {
    let value = fields
        .remove(name)
        .ok_or_else(|| format!("missing field `{name}`"))?;
    serde_json::from_value(value).map_err(|e| format!("{name}: {e}"))
}

/// Removes and reads a field that is absent or holds a value, never null.
fn take_present<T: serde::de::DeserializeOwned>(
    fields: &mut Map<String, Value>,
    name: &str,
) -> Result<Option<T>, String> {
    match fields.remove(name) {
        None => Ok(None),
        Some(Value::Null) => Err(format!("{name}: null where a value or nothing is due")),
        Some(value) => serde_json::from_value(value)
            .map(Some)
            .map_err(|e| format!("{name}: {e}")),
    }
}

/// Reads what is left of a result's fields as `T`, which must take every one of them.
fn rest<T: serde::de::DeserializeOwned>(fields: Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())
}

impl TryFrom<Map<String, Value>> for Outcome {
    type Error = String;

    fn try_from(mut fields: Map<String, Value>) -> Result<Outcome, String> {
        let outcome: String = take(&mut fields, "outcome")?;
        Ok(match outcome.as_str() {
            "applied" => {
                let raw: RawApplied = rest(fields)?;
                if raw.caveats.as_ref().is_some_and(Vec::is_empty) {
                    return Err("caveats: an empty list where none is due".into());
                }
                Outcome::Applied {
                    storage: raw.storage,
                    state: raw.state,
                    caveats: raw.caveats.unwrap_or_default(),
                }
            }
            "rejected" => Outcome::Rejected {
                rejection: take(&mut fields, "rejection")?,
                reason: take(&mut fields, "reason")?,
                evidence: if fields.is_empty() {
                    None
                } else {
                    Some(rest(fields)?)
                },
            },
            "answered" => Outcome::Answered {
                state: take(&mut fields, "state")?,
                source: rest(fields)?,
            },
            "history" => {
                let raw: RawHistory = rest(fields)?;
                Outcome::History { events: raw.events }
            }
            "report" => Outcome::Report {
                report: take(&mut fields, "report")?,
                source: rest(fields)?,
            },
            "unavailable" => Outcome::Unavailable {
                latest: take_present(&mut fields, "latest")?,
                last_write: take_present(&mut fields, "last_write")?,
                why: rest(fields)?,
            },
            "view_crashed" => {
                let raw: RawViewCrashed = rest(fields)?;
                Outcome::ViewCrashed {
                    orders_lost: raw.orders_lost,
                    checkpoint: raw.checkpoint,
                }
            }
            "view_rebuilt" => {
                let raw: RawViewRebuilt = rest(fields)?;
                Outcome::ViewRebuilt {
                    replayed: raw.replayed,
                    snapshot: raw.snapshot,
                    checkpoint: raw.checkpoint,
                    caught_up: raw.caught_up,
                    matches_live: raw.matches_live,
                    ignored_snapshot: raw.ignored_snapshot,
                }
            }
            "snapshot_taken" => {
                let raw: RawSnapshotTaken = rest(fields)?;
                Outcome::SnapshotTaken {
                    checkpoint: raw.checkpoint,
                    orders: raw.orders,
                }
            }
            "deployed" => {
                let raw: RawDeployed = rest(fields)?;
                Outcome::Deployed {
                    event_type: raw.event_type,
                    from: raw.from,
                    to: raw.to,
                    older_in_log: raw.older_in_log,
                }
            }
            "migrated" => {
                let raw: RawMigrated = rest(fields)?;
                Outcome::Migrated {
                    table: raw.table,
                    column: raw.column,
                    default: raw.default,
                    rows_filled: raw.rows_filled,
                }
            }
            "not_applicable" => Outcome::NotApplicable { why: rest(fields)? },
            other => return Err(format!("unknown outcome `{other}`")),
        })
    }
}

impl Outcome {
    /// The order state this outcome answers, if it answers one.
    pub fn state(&self) -> Option<&State> {
        match self {
            Outcome::Applied { state, .. } | Outcome::Answered { state, .. } => state.as_ref(),
            _ => None,
        }
    }
}

/// A legend mark: each means one thing in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Appended,
    Overwritten,
    Rejected,
    Cannot,
    ViewDown,
    ViewBack,
    Differs,
    Held,
    Failed,
}

/// One line of narration: the words a table cell shows, and the mark it carries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    #[serde(default, deserialize_with = "present")]
    pub mark: Option<Mark>,
    pub text: String,
}

/// A result's words: what the design stored (or where it read), and what it answered.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Narration {
    pub storage: Vec<Line>,
    pub answer: Vec<Line>,
}

/// One backend's result at one step: `backend`, the outcome's own fields and its
/// narration.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
pub struct StepResult {
    pub backend: Backend,
    pub outcome: Outcome,
    pub narration: Narration,
}

impl TryFrom<Map<String, Value>> for StepResult {
    type Error = String;

    fn try_from(mut fields: Map<String, Value>) -> Result<StepResult, String> {
        let backend = take(&mut fields, "backend")?;
        let narration = take(&mut fields, "narration")?;
        let outcome = rest(fields)?;
        Ok(StepResult {
            backend,
            outcome,
            narration,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub step: usize,
    pub action: Action,
    #[serde(default, deserialize_with = "present")]
    pub question: Option<String>,
    #[serde(deserialize_with = "nullable")]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub expect: Option<Expect>,
    pub results: Vec<StepResult>,
}

impl Step {
    pub fn result(&self, backend: Backend) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|r| r.backend == backend)
            .map(|r| &r.outcome)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Rows,
    Events,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageCount {
    pub backend: Backend,
    pub unit: Unit,
    pub count: u64,
}

/// An expectation that did not hold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub step: usize,
    pub backend: Backend,
    pub field: String,
    pub expected: String,
    pub actual: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectations {
    pub checked: usize,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub storage: Vec<StorageCount>,
    pub queries: usize,
    #[serde(deserialize_with = "nullable")]
    pub queries_identical: Option<bool>,
    pub differing_steps: Vec<usize>,
    pub gap_steps: Vec<usize>,
    pub expectations: Expectations,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistoryEntry {
    step: usize,
    #[serde(deserialize_with = "nullable")]
    state: Option<State>,
    #[serde(default, deserialize_with = "present")]
    view_down: Option<bool>,
}

/// A state a design answered for an order, or a step it stored a command while its view
/// was down: `state` null exactly when `view_down` is there, and `view_down` is there
/// only as `true`.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawHistoryEntry")]
pub struct HistoryEntry {
    pub step: usize,
    pub state: Option<State>,
    pub view_down: bool,
}

impl TryFrom<RawHistoryEntry> for HistoryEntry {
    type Error = String;

    fn try_from(raw: RawHistoryEntry) -> Result<HistoryEntry, String> {
        let view_down = match raw.view_down {
            None => false,
            Some(true) => true,
            Some(false) => return Err("view_down: false is left out, never written".into()),
        };
        if raw.state.is_none() != view_down {
            return Err(format!(
                "step {}: a null state goes with view_down, and only with it",
                raw.step
            ));
        }
        Ok(HistoryEntry {
            step: raw.step,
            state: raw.state,
            view_down,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderHistory {
    pub order_id: String,
    pub states: Vec<HistoryEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackendHistory {
    pub backend: Backend,
    pub orders: Vec<OrderHistory>,
}

/// `eslab run --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunDoc {
    pub schema_version: u32,
    pub scenario: ScenarioInfo,
    pub backends: Vec<Backend>,
    pub steps: Vec<Step>,
    pub summary: Summary,
    pub histories: Vec<BackendHistory>,
    /// The summary's lines as the table prints them.
    pub summary_text: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffEntry {
    pub step: usize,
    pub action: Action,
    pub crud: Outcome,
    pub es: Outcome,
}

/// `eslab diff --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffDoc {
    pub schema_version: u32,
    pub scenario: ScenarioInfo,
    pub identical: bool,
    /// Both designs answered, differently.
    pub differences: Vec<DiffEntry>,
    /// Only one design could answer.
    pub gaps: Vec<DiffEntry>,
}

/// A SHA-256 hash in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sha256Hex(pub String);

impl<'de> Deserialize<'de> for Sha256Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sha256Hex, D::Error> {
        let text = String::deserialize(d)?;
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Sha256Hex(text))
        } else {
            Err(serde::de::Error::custom(format!(
                "{text:?} is not a SHA-256 hash in hex"
            )))
        }
    }
}

/// An event as `eslab log` prints it: the stored event plus its link in the hash chain.
#[derive(Debug, Deserialize)]
#[serde(try_from = "Map<String, Value>")]
pub struct LoggedEvent {
    pub event: StoredEvent,
    pub hash: Sha256Hex,
}

impl TryFrom<Map<String, Value>> for LoggedEvent {
    type Error = String;

    fn try_from(mut fields: Map<String, Value>) -> Result<LoggedEvent, String> {
        let hash = fields.remove("hash").ok_or("missing field `hash`")?;
        let hash = serde_json::from_value(hash).map_err(|e| format!("hash: {e}"))?;
        let event = serde_json::from_value(Value::Object(fields)).map_err(|e| e.to_string())?;
        Ok(LoggedEvent { event, hash })
    }
}

/// `eslab log --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogDoc {
    pub schema_version: u32,
    pub events: Vec<LoggedEvent>,
}

/// One check of `eslab verify`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub holds: bool,
    #[serde(deserialize_with = "nullable")]
    pub first_bad_event: Option<i64>,
    pub detail: String,
}

/// `eslab verify --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyDoc {
    pub schema_version: u32,
    pub holds: bool,
    #[serde(deserialize_with = "nullable")]
    pub first_bad_event: Option<i64>,
    pub events: u64,
    #[serde(deserialize_with = "nullable")]
    pub head: Option<Sha256Hex>,
    pub checks: Vec<Check>,
}

/// `eslab replay --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayDoc {
    pub schema_version: u32,
    #[serde(deserialize_with = "nullable")]
    pub until: Option<u64>,
    #[serde(deserialize_with = "nullable")]
    pub checkpoint: Option<u64>,
    pub orders: Vec<State>,
}

/// One row of `eslab scenarios --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    pub name: String,
    pub title: String,
    pub steps: usize,
}

/// `eslab scenarios --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenariosDoc {
    pub schema_version: u32,
    pub scenarios: Vec<Listing>,
}

/// `eslab reports --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsDoc {
    pub schema_version: u32,
    pub reports: Vec<ReportListing>,
}

/// One row of `eslab reports --format json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportListing {
    pub name: ReportName,
    pub question: String,
    pub columns: Vec<String>,
    pub crud_can_answer: bool,
}
