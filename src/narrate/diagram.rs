//! The sequence diagram's words (`--format mermaid`): who takes part, and what each says to
//! whom at a step, in the spirit of the classic side-by-side figure. The words are raw, as
//! every other part of narration; `render::mermaid` lays them out and escapes them.

use crate::domain::{Question, StoredEvent};
use crate::scenario::Action;
use crate::service::{Backend, OrderState, Outcome, StorageChange};
use crate::trace::StepRecord;

use super::*;

/// Who takes part in the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Party {
    User,
    Service,
    /// CRUD's database.
    Crud,
    /// Event sourcing's event store.
    Store,
    /// OrderView, event sourcing's read model.
    View,
}

impl Party {
    /// The name it goes by in the diagram.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Party::User => "User",
            Party::Service => "Order service",
            Party::Crud => "CRUD database (orders)",
            Party::Store => "Event store (events)",
            Party::View => "OrderView (in memory)",
        }
    }
}

/// How a message goes: a call, its reply, or a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arrow {
    Call,
    Reply,
    Refusal,
}

/// One thing said in the diagram: a message between two parties, or a note over one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Said {
    Message {
        from: Party,
        to: Party,
        arrow: Arrow,
        text: String,
    },
    Note {
        over: Party,
        text: String,
    },
}

fn call(from: Party, to: Party, text: impl Into<String>) -> Said {
    Said::Message {
        from,
        to,
        arrow: Arrow::Call,
        text: text.into(),
    }
}

fn reply(from: Party, to: Party, text: impl Into<String>) -> Said {
    Said::Message {
        from,
        to,
        arrow: Arrow::Reply,
        text: text.into(),
    }
}

fn note(over: Party, text: impl Into<String>) -> Said {
    Said::Note {
        over,
        text: text.into(),
    }
}

/// The parties of a run of `backends`, in the order they stand.
pub(crate) fn parties(backends: &[Backend]) -> Vec<Party> {
    let mut parties = vec![Party::User, Party::Service];
    if backends.contains(&Backend::Crud) {
        parties.push(Party::Crud);
    }
    if backends.contains(&Backend::Es) {
        parties.extend([Party::Store, Party::View]);
    }
    parties
}

/// What the user asks at a step: its number and its action on one line.
pub(crate) fn asked(step: &StepRecord) -> Said {
    let texts: Vec<String> = action(&step.action).into_iter().map(|l| l.text).collect();
    call(
        Party::User,
        Party::Service,
        format!("{}. {}", step.step, texts.join(": ")),
    )
}

/// What one design says to whom at one step.
pub(crate) fn said(step: &StepRecord, backend: Backend, outcome: &Outcome) -> Vec<Said> {
    let (store, name) = match backend {
        Backend::Crud => (Party::Crud, "CRUD"),
        Backend::Es => (Party::Store, "ES"),
    };
    // Where a design cannot answer: CRUD's table, or event sourcing's view.
    let reader = match backend {
        Backend::Crud => Party::Crud,
        Backend::Es => Party::View,
    };
    let told = |text: String| reply(Party::Service, Party::User, format!("{name}: {text}"));
    let storage_words = || {
        let lines = storage(backend, outcome, &step.action);
        let texts: Vec<String> = lines.into_iter().map(|l| l.text).collect();
        texts.join("; ")
    };
    match outcome {
        Outcome::Applied { .. } => applied(backend, outcome, store, told),
        Outcome::Rejected { rejection: r, .. } => vec![Said::Message {
            from: Party::Service,
            to: Party::User,
            arrow: Arrow::Refusal,
            text: format!("{name}: ✗ rejected, {}", rejection(r)),
        }],
        Outcome::Answered { state, .. } => answered(step, backend, state.as_ref(), told),
        Outcome::History { events } => history(step, events),
        Outcome::Report { report, .. } => {
            let ask = match backend {
                Backend::Crud => "SELECT … GROUP BY",
                Backend::Es => "read every event",
            };
            let rows = report.rows.len() as u64;
            vec![
                call(Party::Service, store, ask),
                told(format!("{} ({rows} {})", report.name, plural(rows, "rows"))),
            ]
        }
        Outcome::Unavailable { reason, .. } => vec![note(
            reader,
            format!(
                "! cannot answer: {}",
                unanswerable(reason, step.action.order_id())
            ),
        )],
        Outcome::ViewCrashed { .. } | Outcome::SnapshotTaken { .. } => {
            vec![note(Party::View, storage_words())]
        }
        Outcome::ViewRebuilt {
            replayed, snapshot, ..
        } => view_rebuilt(*replayed, snapshot.map(|start| start.checkpoint)),
        Outcome::Deployed { .. } => vec![note(Party::Service, storage_words())],
        Outcome::Migrated { .. } => vec![note(Party::Crud, storage_words())],
        Outcome::NotApplicable { why } => vec![note(reader, inapplicable(why, &step.action))],
    }
}

/// A stream read from the log.
fn history(step: &StepRecord, events: &[StoredEvent]) -> Vec<Said> {
    let id = step.action.order_id().map_or("", |id| id.as_str());
    let types: Vec<String> = events
        .iter()
        .map(|e| format!("{} {}", event_id(e.event_id), e.event.event_type()))
        .collect();
    vec![
        call(Party::Service, Party::Store, format!("read stream {id}")),
        reply(Party::Store, Party::Service, types.join(", ")),
        reply(
            Party::Service,
            Party::User,
            format!("ES: {} events", events.len()),
        ),
    ]
}

/// OrderView rebuilt: from a snapshot (`from`) or the start, then the events replayed.
fn view_rebuilt(replayed: u64, from: Option<u64>) -> Vec<Said> {
    let mut out = Vec::new();
    if let Some(checkpoint) = from {
        out.push(reply(
            Party::Store,
            Party::View,
            format!("load the snapshot at {}", event_id(checkpoint)),
        ));
    }
    out.push(reply(
        Party::Store,
        Party::View,
        format!("replay {}", all(replayed, "events")),
    ));
    out.push(note(
        Party::View,
        format!("{} OrderView rebuilt", Mark::ViewBack.symbol()),
    ));
    out
}

/// A command a design stored: what it wrote, what it could not keep, and the state it
/// answers with.
fn applied(
    backend: Backend,
    outcome: &Outcome,
    store: Party,
    told: impl Fn(String) -> Said,
) -> Vec<Said> {
    let Outcome::Applied {
        storage,
        state,
        caveats,
    } = outcome
    else {
        return Vec::new();
    };
    let mut out = match storage {
        StorageChange::Insert { row, .. } => vec![call(
            Party::Service,
            Party::Crud,
            format!("INSERT {}", order_state_line(row)),
        )],
        StorageChange::Update {
            order_id, changes, ..
        } => {
            let changes: Vec<String> = changes
                .iter()
                .map(|c| format!("{} {} → {}", c.column, c.old, c.new))
                .collect();
            vec![
                call(
                    Party::Service,
                    Party::Crud,
                    format!("UPDATE {} SET {}", order_id.as_str(), changes.join(", ")),
                ),
                note(Party::Crud, "→ old values overwritten"),
            ]
        }
        StorageChange::Append { events } => appended_events(events, outcome.applied_unseen()),
    };
    for c in caveats {
        out.push(note(store, format!("! {}", caveat(c))));
    }
    let answer = match (backend, state) {
        (_, Some(state)) => order_state_line(state),
        (Backend::Es, None) => "not visible: OrderView is down".into(),
        (Backend::Crud, None) => "no row".into(),
    };
    out.push(told(answer));
    out
}

/// Events appended, each published to OrderView; while it is down nothing is published and
/// the events wait in the log.
fn appended_events(events: &[StoredEvent], view_down: bool) -> Vec<Said> {
    let mut out = Vec::new();
    for event in events {
        let said = format!("{} {}", event_id(event.event_id), event.event.event_type());
        out.push(call(
            Party::Service,
            Party::Store,
            format!("+ append {said}"),
        ));
        if !view_down {
            out.push(reply(Party::Store, Party::View, format!("publish {said}")));
        }
    }
    if view_down && !events.is_empty() {
        let ids: Vec<String> = events.iter().map(|e| event_id(e.event_id)).collect();
        let waits = if ids.len() == 1 { "waits" } else { "wait" };
        out.push(note(
            Party::Store,
            format!("↯ {} {waits} in the log: OrderView is down", ids.join(", ")),
        ));
    }
    out
}

/// A question answered: where the design read, what it found, what it told.
fn answered(
    step: &StepRecord,
    backend: Backend,
    state: Option<&OrderState>,
    told: impl Fn(String) -> Said,
) -> Vec<Said> {
    let id = step.action.order_id().map_or("", |id| id.as_str());
    let (reader, ask) = match (backend, &step.action) {
        (Backend::Es, Action::Question(Question::Query(q))) if q.as_of.is_some() => (
            Party::Store,
            format!("replay the stream of {id} up to {}", q.as_of.unwrap_or(0)),
        ),
        (Backend::Es, _) => (Party::View, format!("get {id}")),
        (Backend::Crud, _) => (Party::Crud, format!("SELECT {id}")),
    };
    let answer = state.map_or(format!("no order {id}"), order_state_line);
    vec![
        call(Party::Service, reader, ask),
        reply(reader, Party::Service, answer.clone()),
        told(answer),
    ]
}
