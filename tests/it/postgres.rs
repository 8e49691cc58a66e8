//! Both designs on a PostgreSQL server (`--store URL --room NAME`), against a throwaway
//! server this test binary starts (tests/common/pg.rs).
//!
//! The store contract runs one body per engine (as ripgrep's tests/macros.rs runs one per
//! regex engine): SQLite files and a room on the server must keep the same promises. Then
//! what only a server shows: every bundled scenario prints the same bytes on both, the
//! attendees' role cannot change the log, a newer room is refused, passwords never show,
//! and real writer processes on one room get gap-free ids in commit order.

use crate::common;
use crate::common::pg::{Room, new_room};
use crate::common::{Output, run, run_in};
use eslab::EventStore;
use eslab::PgLog;
use eslab::RawEvent;
use eslab::chain;
use eslab::{
    Actor, ChangeQuantity, Command, Deploy, HistoryQuery, Metadata, Money, OrderId, Pay,
    PlaceOrder, Question, Rejection, StoredEvent, Timestamp,
};
use eslab::{
    Backend, Caveat, CommandOutcome, Evidence, Inapplicable, OrderService, Outcome, StepMark,
    StorageChange,
};
use eslab::{Services, StorageOptions};
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    Sqlite,
    Postgres,
}

/// Where a contract test keeps both designs: a new folder of SQLite files, or a new room.
/// Opened as often as a test likes: each opening is another connection to the same store.
struct Place {
    dir: Option<TempDir>,
    room: Option<Room>,
}

impl Place {
    fn new(engine: Engine) -> Place {
        match engine {
            Engine::Sqlite => Place {
                dir: Some(tempfile::tempdir().unwrap()),
                room: None,
            },
            Engine::Postgres => Place {
                dir: None,
                room: Some(new_room("contract")),
            },
        }
    }

    fn options(&self, crud_locking: bool) -> StorageOptions {
        match (&self.dir, &self.room) {
            (Some(dir), _) => StorageOptions {
                db_dir: Some(dir.path().join("db")),
                resume: true,
                crud_locking,
                ..StorageOptions::default()
            },
            (None, Some(room)) => StorageOptions {
                crud_locking,
                store: Some(eslab::PgStore::new(&room.url, &room.name).unwrap()),
                ..StorageOptions::default()
            },
            (None, None) => unreachable!(),
        }
    }

    fn open(&self, crud_locking: bool) -> Services {
        let options = self.options(crud_locking);
        if let Some(dir) = &options.db_dir {
            std::fs::create_dir_all(dir).unwrap();
        }
        Services::open(&[Backend::Crud, Backend::Es], &options, 2001).unwrap()
    }

    /// Runs SQL on the store behind eslab's back, as its owner.
    fn execute(&self, sql: &str) {
        match (&self.dir, &self.room) {
            (Some(dir), _) => {
                let path = dir.path().join("db").join(eslab::EVENTS_FILE);
                rusqlite::Connection::open(path)
                    .unwrap()
                    .execute_batch(sql)
                    .unwrap();
            }
            (None, Some(room)) => room.admin().batch_execute(sql).unwrap(),
            (None, None) => unreachable!(),
        }
    }

    /// The log's rows exactly as stored, in event-id order.
    fn raw_events(&self) -> Vec<RawEvent> {
        let mut rows = Vec::new();
        let keep = |row| {
            rows.push(row);
            Ok(())
        };
        match (&self.dir, &self.room) {
            (Some(dir), _) => {
                let path = dir.path().join("db").join(eslab::EVENTS_FILE);
                EventStore::open_read_only(&path)
                    .unwrap()
                    .for_each_row(keep)
                    .unwrap();
            }
            (None, Some(room)) => return room_events(room),
            (None, None) => unreachable!(),
        }
        rows
    }
}

/// A room's log rows exactly as stored, in event-id order, read as an attendee.
fn room_events(room: &Room) -> Vec<RawEvent> {
    let store = eslab::PgStore::new(&room.url, &room.name).unwrap();
    let mut rows = Vec::new();
    PgLog::new(store.join().unwrap(), 2001)
        .for_each_row(|row| {
            rows.push(row);
            Ok(())
        })
        .unwrap();
    rows
}

fn crud(services: &mut Services) -> &mut dyn OrderService {
    match (&mut services.crud, &mut services.room) {
        (Some(crud), _) => crud,
        (None, Some(room)) => room.crud.as_mut().expect("CRUD is open"),
        _ => panic!("no CRUD design open"),
    }
}

fn es(services: &mut Services) -> &mut dyn OrderService {
    match (&mut services.es, &mut services.room) {
        (Some(es), _) => es,
        (None, Some(room)) => room.es.as_mut().expect("ES is open"),
        _ => panic!("no event-sourced design open"),
    }
}

fn a1() -> OrderId {
    OrderId::new("A1").unwrap()
}

fn place() -> Command {
    Command::PlaceOrder(PlaceOrder {
        order_id: a1(),
        customer: "Bob".into(),
        product: "Book".into(),
        quantity: 5,
        unit_price: Money::from_cents(1000),
    })
}

fn change(quantity: u64, expected_version: Option<u64>, reason: Option<&str>) -> Command {
    Command::ChangeQuantity(ChangeQuantity {
        order_id: a1(),
        quantity,
        expected_version,
        reason: reason.map(String::from),
    })
}

fn metadata(by: &str, step: usize) -> Metadata {
    Metadata {
        recorded_at: Timestamp::parse("2026-05-01T09:00:00Z").unwrap(),
        actor: Actor::new(by).unwrap(),
        causation_id: format!("command-{step}"),
        correlation_id: "run-contract".into(),
    }
}

#[track_caller]
fn appended(outcome: CommandOutcome) -> Vec<StoredEvent> {
    match outcome {
        CommandOutcome::Applied {
            change: StorageChange::Append { events },
            ..
        } => events,
        other => panic!("expected an append, got {other:?}"),
    }
}

/// Checks every row's hash against the chain from the genesis hash.
#[track_caller]
fn assert_chain_holds(rows: &[RawEvent]) {
    let mut previous = chain::GENESIS;
    for row in rows {
        let expected = row.expected_hash(&previous);
        assert_eq!(
            row.hash,
            expected.to_vec(),
            "event {} breaks the chain",
            row.event_id
        );
        previous = expected;
    }
}

/// Runs each contract body once per engine, as a test of its own.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(super::Engine::Sqlite) })*
        }
        mod postgres {
            $(#[test] fn $name() { super::$name(super::Engine::Postgres) })*
        }
    };
}

contract!(
    events_read_back_as_written_and_chained,
    a_stale_expected_version_is_refused_and_ids_go_on,
    crud_loses_an_update_unless_it_locks,
    snapshots_and_rebuilds_match_the_live_view,
    a_deployed_shape_is_written_and_read_back,
    progress_commits_with_each_step,
);

/// Ids from the first one, versions per stream, who and when, the shape: read back as
/// written, by the history and by a view built anew from the log, and every link chained.
fn events_read_back_as_written_and_chained(engine: Engine) {
    let place_at = Place::new(engine);
    let mut services = place_at.open(false);
    let written: Vec<StoredEvent> = [place(), change(6, None, None)]
        .iter()
        .chain([&Command::Pay(Pay {
            order_id: a1(),
            amount: Money::from_cents(6000),
            expected_version: Some(2),
        })])
        .enumerate()
        .flat_map(|(i, command)| {
            appended(
                es(&mut services)
                    .execute(command, Some(&metadata("alice", i + 1)), None)
                    .unwrap(),
            )
        })
        .collect();
    let ids: Vec<(u64, u64)> = written
        .iter()
        .map(|e| (e.event_id, e.stream_version))
        .collect();
    assert_eq!(ids, [(2001, 1), (2002, 2), (2003, 3)]);
    assert_eq!(written[2].metadata, Some(metadata("alice", 3)));
    let history = es(&mut services)
        .ask(&Question::History(HistoryQuery { order_id: a1() }))
        .unwrap();
    assert_eq!(
        history,
        Outcome::History {
            events: written.clone()
        }
    );
    assert_eq!(es(&mut services).storage().unwrap().count, 3);
    // Another connection builds its view from the log: the same orders, the same checkpoint.
    let mut again = place_at.open(false);
    let query = Question::Query(eslab::OrderQuery {
        order_id: a1(),
        as_of: None,
    });
    assert_eq!(
        es(&mut again).ask(&query).unwrap(),
        es(&mut services).ask(&query).unwrap()
    );
    let rows = place_at.raw_events();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].metadata[1].as_deref(), Some("alice"));
    assert_chain_holds(&rows);
    let decoded: Vec<StoredEvent> = rows.iter().map(|row| row.decode().unwrap()).collect();
    assert_eq!(decoded, written);
}

/// Two connections on one store take turns on A1: each sees the other's events, a stale
/// expected version is refused with what it missed, and the next id follows on.
fn a_stale_expected_version_is_refused_and_ids_go_on(engine: Engine) {
    let place_at = Place::new(engine);
    let (mut first, mut second) = (place_at.open(false), place_at.open(false));
    appended(es(&mut first).execute(&place(), None, None).unwrap());
    let theirs = appended(
        es(&mut second)
            .execute(&change(6, Some(1), None), None, None)
            .unwrap(),
    );
    assert_eq!((theirs[0].event_id, theirs[0].stream_version), (2002, 2));
    match es(&mut first)
        .execute(&change(7, Some(1), None), None, None)
        .unwrap()
    {
        CommandOutcome::Rejected {
            rejection:
                Rejection::VersionConflict {
                    expected: 1,
                    actual: 2,
                    ..
                },
            evidence: Some(Evidence::MissedEvents { events }),
        } => assert_eq!(events, theirs),
        other => panic!("expected a version conflict, got {other:?}"),
    }
    let again = appended(
        es(&mut first)
            .execute(&change(8, None, None), None, None)
            .unwrap(),
    );
    assert_eq!((again[0].event_id, again[0].stream_version), (2003, 3));
    assert_chain_holds(&place_at.raw_events());
}

/// Two writers read A1 at version 1 and both change it. Without a version the second write
/// silently replaces the first; with --crud-locking it is refused.
fn crud_loses_an_update_unless_it_locks(engine: Engine) {
    for locking in [false, true] {
        let place_at = Place::new(engine);
        let (mut alice, mut bob) = (place_at.open(locking), place_at.open(locking));
        crud(&mut alice).execute(&place(), None, None).unwrap();
        let first = crud(&mut alice)
            .execute(&change(6, Some(1), None), None, None)
            .unwrap();
        assert!(matches!(first, CommandOutcome::Applied { .. }), "{first:?}");
        let second = crud(&mut bob)
            .execute(&change(9, Some(1), None), None, None)
            .unwrap();
        let row = crud(&mut alice)
            .ask(&Question::Query(eslab::OrderQuery {
                order_id: a1(),
                as_of: None,
            }))
            .unwrap();
        let quantity = row.state().unwrap().quantity;
        if locking {
            assert!(
                matches!(
                    second,
                    CommandOutcome::Rejected {
                        rejection: Rejection::VersionConflict { .. },
                        evidence: Some(Evidence::RowOnlyNewest),
                    }
                ),
                "{second:?}"
            );
            assert_eq!(quantity, 6);
        } else {
            let CommandOutcome::Applied { caveats, .. } = second else {
                panic!("expected the write to land, got {second:?}");
            };
            assert_eq!(caveats, [Caveat::VersionUnchecked { expected: 1 }]);
            assert_eq!(quantity, 9, "the second write silently wins");
        }
    }
}

fn snapshots_and_rebuilds_match_the_live_view(engine: Engine) {
    let place_at = Place::new(engine);
    let mut services = place_at.open(false);
    es(&mut services).execute(&place(), None, None).unwrap();
    let model = es(&mut services).read_model().unwrap();
    assert_eq!(
        model.snapshot().unwrap(),
        Outcome::SnapshotTaken {
            checkpoint: Some(2001),
            orders: 1
        }
    );
    assert!(matches!(
        model.crash().unwrap(),
        Outcome::ViewCrashed {
            orders_lost: 1,
            checkpoint: Some(2001)
        }
    ));
    es(&mut services)
        .execute(&change(6, None, None), None, None)
        .unwrap();
    match es(&mut services).read_model().unwrap().rebuild().unwrap() {
        Outcome::ViewRebuilt {
            replayed: 1,
            snapshot: Some(start),
            checkpoint: Some(2002),
            caught_up: 1,
            matches_live: true,
            ignored_snapshot: None,
        } => assert_eq!((start.checkpoint, start.full_replay), (2001, 2)),
        other => panic!("unexpected rebuild: {other:?}"),
    }
    // A snapshot edited beside the log no longer matches its seal: the next rebuild passes
    // over it and replays the whole log, and the view is still the log's.
    place_at.execute(
        "UPDATE snapshots SET orders = replace(orders, '\"quantity\":5', '\"quantity\":9')",
    );
    match es(&mut services).read_model().unwrap().rebuild().unwrap() {
        Outcome::ViewRebuilt {
            replayed: 2,
            snapshot: None,
            matches_live: true,
            ignored_snapshot: Some(ignored),
            ..
        } => assert_eq!(
            (ignored.checkpoint, ignored.fault),
            (2001, eslab::SnapshotFault::Edited)
        ),
        other => panic!("unexpected rebuild: {other:?}"),
    }
}

/// The writer switches ModifyOrderEvent to shape 2: new events carry it and read back in
/// it; CRUD migrates its table once.
fn a_deployed_shape_is_written_and_read_back(engine: Engine) {
    let place_at = Place::new(engine);
    let mut services = place_at.open(false);
    es(&mut services)
        .execute(&change(6, None, None), None, None)
        .unwrap(); // unknown order: rejected, nothing written
    es(&mut services).execute(&place(), None, None).unwrap();
    crud(&mut services).execute(&place(), None, None).unwrap();
    es(&mut services)
        .execute(&change(6, None, None), None, None)
        .unwrap();
    let deploy = Deploy {
        event: "ModifyOrderEvent".into(),
        version: 2,
    };
    assert_eq!(
        es(&mut services).deploy(&deploy, None).unwrap(),
        Outcome::Deployed {
            event_type: "ModifyOrderEvent".into(),
            from: 1,
            to: 2,
            older_in_log: 1
        }
    );
    let events = appended(
        es(&mut services)
            .execute(&change(7, None, Some("a gift")), None, None)
            .unwrap(),
    );
    assert_eq!(events[0].schema_version, 2);
    let rows = place_at.raw_events();
    assert_eq!(rows.last().unwrap().schema_version, 2);
    assert_eq!(rows.last().unwrap().decode().unwrap(), events[0]);
    assert_chain_holds(&rows);
    assert!(matches!(
        crud(&mut services).deploy(&deploy, None).unwrap(),
        Outcome::Migrated { rows_filled: 1, .. }
    ));
    assert_eq!(
        crud(&mut services).deploy(&deploy, None).unwrap(),
        Outcome::NotApplicable {
            why: Inapplicable::TableUnchanged
        }
    );
}

/// A step's progress commits with its command, per design; whether a step is done is asked
/// inside the transaction that would do it, so a step done (by anyone) is never done again.
fn progress_commits_with_each_step(engine: Engine) {
    let place_at = Place::new(engine);
    let (mut services, mut other) = (place_at.open(false), place_at.open(false));
    let mark = |step| StepMark {
        scenario: "a-fingerprint".into(),
        step,
    };
    appended(
        es(&mut services)
            .execute(&place(), None, Some(&mark(2)))
            .unwrap(),
    );
    // Step 1 comes before the step done: done, by the order steps go in. Nothing written.
    assert_eq!(
        es(&mut other)
            .execute(&change(9, None, None), None, Some(&mark(1)))
            .unwrap(),
        CommandOutcome::DoneEarlier
    );
    crud(&mut services)
        .execute(&place(), None, Some(&mark(3)))
        .unwrap();
    assert!(es(&mut other).is_done(&mark(2)).unwrap());
    assert!(!es(&mut other).is_done(&mark(3)).unwrap());
    assert!(crud(&mut other).is_done(&mark(3)).unwrap());
    let another = StepMark {
        scenario: "another".into(),
        step: 1,
    };
    assert!(!es(&mut services).is_done(&another).unwrap());
    assert_eq!(es(&mut services).storage().unwrap().count, 1);
    // `other` writes, and so caches what it knows of the log, the shapes included.
    appended(
        es(&mut other)
            .execute(&change(6, None, None), None, None)
            .unwrap(),
    );
    // A deploy is a step too: done once, whoever asks again.
    let deploy = Deploy {
        event: "ModifyOrderEvent".into(),
        version: 2,
    };
    let deployed = es(&mut services).deploy(&deploy, Some(&mark(4))).unwrap();
    assert!(matches!(deployed, Outcome::Deployed { .. }), "{deployed:?}");
    assert_eq!(
        es(&mut other).deploy(&deploy, Some(&mark(4))).unwrap(),
        Outcome::NotApplicable {
            why: Inapplicable::DoneEarlier
        }
    );
    // And the other connection writes the deployed shape: the room says so, not a process.
    let events = appended(
        es(&mut other)
            .execute(&change(7, None, Some("a gift")), None, None)
            .unwrap(),
    );
    assert_eq!(events[0].schema_version, 2);
}

/// Every bundled scenario prints the same bytes, and exits the same, in memory and in a room.
#[test]
fn every_bundled_scenario_prints_the_same_on_both_stores() {
    for name in common::bundled_names() {
        for locking in [false, true] {
            let mut memory = vec!["run", name, "--format", "json"];
            if locking {
                memory.push("--crud-locking");
            }
            let room = new_room("same");
            let mut server = memory.clone();
            server.extend(room.args());
            let (memory, server): (Output, Output) = (run(&memory), run(&server));
            assert_eq!(
                (server.code, &server.stderr),
                (memory.code, &memory.stderr),
                "{name} (locking: {locking})"
            );
            assert!(
                server.stdout == memory.stdout,
                "{name} (locking: {locking}) printed differently in a room"
            );
        }
    }
}

/// The log is append-only twice over: the attendees' role has no UPDATE, DELETE or TRUNCATE
/// privilege on it, and a trigger refuses them even to the room's owner.
#[test]
fn the_database_refuses_to_change_the_log() {
    let room = new_room("append_only");
    let out = run(["run", "bob", "--format", "json"]
        .into_iter()
        .chain(room.args()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    for sql in [
        "UPDATE events SET payload = '{}' WHERE event_id = 2001",
        "DELETE FROM events WHERE event_id = 2003",
        "TRUNCATE events",
    ] {
        let refused = room.attendee().batch_execute(sql).unwrap_err();
        let code = refused.code().map(|c| c.code().to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {refused}"); // insufficient_privilege
        let refused = room.admin().batch_execute(sql).unwrap_err();
        assert!(
            format!("{:?}", refused).contains("the event log is append-only"),
            "{sql}: {refused:?}"
        );
    }
    // The head row, which attendees must UPDATE to append, moves only to where the log ends:
    // back (ids given twice), ahead (a gap), to another hash or version, never.
    for sql in [
        "UPDATE log_head SET next_id = next_id - 1, version = version + 1",
        "UPDATE log_head SET next_id = next_id + 5, version = version + 1",
        "UPDATE log_head SET last_hash = decode(repeat('11', 32), 'hex'), version = version + 1",
        "UPDATE log_head SET version = version - 1",
    ] {
        let refused = room.attendee().batch_execute(sql).unwrap_err();
        assert!(
            format!("{refused:?}").contains("the log's head"),
            "{sql}: {refused:?}"
        );
    }
    let head: i64 = room
        .admin()
        .query_one("SELECT next_id FROM log_head", &[])
        .unwrap()
        .get(0);
    assert_eq!(head, 2004);
    // The log goes on from there (a deploy moves the head's version alone).
    let dir = tempfile::tempdir().unwrap();
    let more = common::write_scenario(
        dir.path(),
        "more.json",
        &serde_json::json!({"title": "More", "steps": [
            {"deploy": {"event": "ModifyOrderEvent", "version": 2}},
            {"place_order": {"order_id": "B1", "customer": "Ann", "product": "Pen",
                "quantity": 1, "unit_price": 2}},
            {"change_quantity": {"order_id": "B1", "quantity": 2, "reason": "more"}}]}),
    );
    let out = run(["run", common::path_str(&more)]
        .into_iter()
        .chain(room.args()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = run(["verify"].into_iter().chain(room.args()));
    assert_eq!(out.code, Some(0), "{}", out.stdout_text());
    // What attendees may do to the table CRUD updates in place, they do.
    room.attendee()
        .batch_execute("UPDATE orders SET quantity = 1")
        .unwrap();
    let events: i64 = room
        .admin()
        .query_one("SELECT count(*) FROM events WHERE event_id <= 2003", &[])
        .unwrap()
        .get(0);
    assert_eq!(events, 3);
}

/// A room made by a newer eslab, or by an earlier one (without the triggers that wake views
/// and guard the head row), is refused before anything is written, naming both versions.
#[test]
fn a_newer_or_older_room_is_refused_untouched() {
    for (version, said) in [
        (99, "was made by a newer eslab"),
        (1, "was made by an earlier eslab"),
    ] {
        refused_untouched(version, said);
    }
}

fn refused_untouched(version: i32, said: &str) {
    let room = new_room(&format!("version{version}"));
    room.admin()
        .batch_execute(&format!("UPDATE room SET schema_version = {version}"))
        .unwrap();
    let out = run(["run", "bob"].into_iter().chain(room.args()));
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains(said) && out.stderr.contains(&format!("schema version {version}")),
        "{}",
        out.stderr
    );
    let (events, rows): (i64, i64) = {
        let mut admin = room.admin();
        (
            admin
                .query_one("SELECT count(*) FROM events", &[])
                .unwrap()
                .get(0),
            admin
                .query_one("SELECT count(*) FROM orders", &[])
                .unwrap()
                .get(0),
        )
    };
    assert_eq!((events, rows), (0, 0));
}

/// Room names reach SQL only as checked identifiers; a missing room says how to make one.
#[test]
fn rooms_are_named_by_identifiers_and_must_exist() {
    let server = common::pg::server();
    for bad in ["Bob", "a;DROP SCHEMA public", "1a", ""] {
        let out = run(["room", "create", &server.admin_url, "--room", bad]);
        assert_eq!(out.code, Some(2), "{bad}");
        assert!(out.stderr.contains("is not a room name"), "{}", out.stderr);
    }
    let out = run([
        "run",
        "bob",
        "--store",
        &server.admin_url,
        "--room",
        "nobody_here",
    ]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("there is no room nobody_here")
            && out.stderr.contains("eslab room create"),
        "{}",
        out.stderr
    );
    let room = new_room("twice");
    let out = run(["room", "create", &server.admin_url, "--room", &room.name]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
}

/// A password in the URL shows nowhere: not in errors, not in the output, not in --help
/// (where ESLAB_STORE's value would otherwise be shown).
#[test]
fn a_password_in_the_url_is_never_printed() {
    let secret = "s3cret-Pa55";
    let room = new_room("secret");
    // Trust authentication ignores the password: the run works, and prints none of it.
    let with_password = room.url.replacen('@', &format!(":{secret}@"), 1);
    assert!(with_password.contains(secret), "{with_password}");
    let ok = run([
        "run",
        "bob",
        "--format",
        "json",
        "--store",
        &with_password,
        "--room",
        &room.name,
    ]);
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    let refused = [
        run([
            "run",
            "bob",
            "--store",
            &with_password,
            "--room",
            "no_such_room",
        ]),
        // Nothing listens on port 1: the connection error names the server, not the password.
        run([
            "run",
            "bob",
            "--store",
            &format!("postgres://alice:{secret}@127.0.0.1:1/lab"),
            "--room",
            "r",
        ]),
        run([
            "room",
            "create",
            &format!("postgres://alice:{secret}@127.0.0.1:1/lab"),
            "--room",
            "r",
        ]),
        run([
            "run",
            "bob",
            "--store",
            &format!("mysql://alice:{secret}@host/lab"),
            "--room",
            "r",
        ]),
    ];
    for out in refused.iter() {
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(
            out.stderr.contains("alice:***@") || out.stderr.contains(":***@"),
            "{}",
            out.stderr
        );
    }
    let help = run_in(common::Env::Clean, ["run", "--help"]);
    for out in refused.iter().chain([&ok]) {
        let all = format!("{}{}", out.stdout_text(), out.stderr);
        assert!(!all.contains(secret), "the password shows in: {all}");
    }
    let mut help_with_env = common::eslab();
    help_with_env
        .env("ESLAB_STORE", &with_password)
        .args(["run", "--help"]);
    let shown = help_with_env.output().unwrap();
    assert!(!String::from_utf8_lossy(&shown.stdout).contains(secret));
    assert!(help.stdout_text().contains("ESLAB_STORE"));
}

/// Twenty writer processes on one room, interleaving commands on shared orders, each change
/// decided from a version (`@v`, its r-th change expecting version r + 1), while a reader
/// follows the log by "the events after the last id I saw": every id from the first one on,
/// none missing, none twice, in commit order; every event a writer was told it appended is
/// in the log; the reader saw every event, in order. Conflicts are counted twice: ES's
/// refusals and CRUD's (with `--crud-locking`, each a lost update it prevented) as the writers
/// reported them, and independently from what the database holds (the changes the log
/// holds, and an audit trigger's record of every UPDATE of a shared row); the counts agree,
/// and every change that landed was decided from the version it landed on.
#[test]
fn writer_processes_on_one_room_get_gap_free_ids_in_commit_order() {
    const WRITERS: usize = 20;
    const ROUNDS: usize = 12;
    const SHARED: usize = 4;
    let room = new_room("writers");
    let dir = tempfile::tempdir().unwrap();
    let place = |id: &str, by: &str| {
        serde_json::json!({"place_order": {"order_id": id, "customer": by, "product": "Book",
            "quantity": 1, "unit_price": 10}})
    };
    let shared: Vec<_> = (1..=SHARED)
        .map(|i| place(&format!("S{i}"), "host"))
        .collect();
    let setup = common::write_scenario(
        dir.path(),
        "setup.json",
        &serde_json::json!({"title": "The shared orders", "first_event_id": 2001, "steps": shared}),
    );
    let out = run(["run", common::path_str(&setup)]
        .into_iter()
        .chain(room.args()));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // The independent count of CRUD's writes: every UPDATE that changed a row's quantity, with
    // the version it overwrote (a trigger of the test's, not eslab's).
    room.admin()
        .batch_execute(&format!(
            "CREATE TABLE audit (order_id text, old_version bigint, quantity bigint);
             CREATE FUNCTION audit_update() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
                 SET search_path = eslab_room_{0} AS $$
             BEGIN
                 INSERT INTO audit VALUES (OLD.order_id, OLD.version, NEW.quantity);
                 RETURN NULL;
             END $$;
             CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW
                 WHEN (OLD.quantity IS DISTINCT FROM NEW.quantity) EXECUTE FUNCTION audit_update();",
            room.name
        ))
        .unwrap();

    // A change's quantity says who decided it and from which version: v * 100 + writer.
    let files: Vec<_> = (0..WRITERS)
        .map(|w| {
            let by = format!("writer{w}");
            let mut steps = vec![place(&format!("W{w}"), &by)];
            steps.extend((0..ROUNDS).map(|r| {
                serde_json::json!({"change_quantity": {
                    "order_id": format!("S{}", 1 + (w + r) % SHARED),
                    "quantity": (r + 1) * 100 + w,
                    "expected_version": r + 1}})
            }));
            common::write_scenario(
                dir.path(),
                &format!("writer{w}.json"),
                &serde_json::json!({"title": by, "by": by, "steps": steps}),
            )
        })
        .collect();

    // The reader: polls for the events after the last id it saw, as a projection would.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (done, mut client) = (done.clone(), room.attendee());
        std::thread::spawn(move || {
            let mut seen: Vec<i64> = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let last = seen.last().copied().unwrap_or(0);
                for row in client
                    .query(
                        "SELECT event_id FROM events WHERE event_id > $1 ORDER BY event_id",
                        &[&last],
                    )
                    .unwrap()
                {
                    seen.push(row.get(0));
                }
                if finished {
                    return seen;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let writers: Vec<_> = files
        .iter()
        .map(|file| {
            std::process::Command::new(env!("CARGO_BIN_EXE_eslab"))
                .args(["run", common::path_str(file), "--format", "json"])
                .args(["--crud-locking"])
                .args(room.args())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut told: Vec<u64> = Vec::new();
    let refused = |run: &serde_json::Value, backend: &str| {
        common::results_of(run, backend)
            .iter()
            .filter(|r| r["outcome"] == "rejected")
            .inspect(|r| assert_eq!(r["rejection"]["rule"], "version_conflict", "{r}"))
            .count()
    };
    let (mut es_conflicts, mut crud_refusals) = (0, 0);
    for writer in writers {
        let out: Output = writer.wait_with_output().unwrap().into();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let run: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        told.extend(common::appended_event_ids(&run));
        es_conflicts += refused(&run, "es");
        crud_refusals += refused(&run, "crud");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.join().unwrap();

    let rows = room_events(&room);
    let ids: Vec<u64> = rows.iter().map(|row| row.event_id as u64).collect();
    let expected: Vec<u64> = (2001..2001 + ids.len() as u64).collect();
    assert_eq!(ids, expected, "ids from 2001 on, none missing");
    told.extend(2001..2001 + SHARED as u64);
    told.sort_unstable();
    assert_eq!(
        told, expected,
        "every event a writer appended is in the log, once"
    );
    assert_eq!(
        seen,
        expected.iter().map(|&id| id as i64).collect::<Vec<_>>(),
        "the reader that asks for the events after the last it saw missed none"
    );
    assert_chain_holds(&rows);
    let mut versions = std::collections::BTreeMap::<String, i64>::new();
    for row in &rows {
        let version = versions.entry(row.stream_id.clone()).or_default();
        *version += 1;
        assert_eq!(row.stream_version, *version, "event {}", row.event_id);
    }
    assert_eq!(versions.len(), SHARED + WRITERS);

    // ES: each change refused is one the log does not hold, and each it holds was decided
    // from the version it follows.
    let attempts = WRITERS * ROUNDS;
    let changes: Vec<&RawEvent> = rows
        .iter()
        .filter(|row| row.event_type == "ModifyOrderEvent")
        .collect();
    for change in &changes {
        let quantity: serde_json::Value = serde_json::from_str(&change.payload).unwrap();
        let decided_from = quantity["quantity"].as_i64().unwrap() / 100;
        assert_eq!(
            decided_from,
            change.stream_version - 1,
            "event {}",
            change.event_id
        );
    }
    assert!(
        es_conflicts > 0 && !changes.is_empty(),
        "the writers contended"
    );
    assert_eq!(es_conflicts, attempts - changes.len(), "ES's conflicts");
    // CRUD with a version guard: each refusal is an UPDATE the table never got (a lost update
    // prevented), and each UPDATE it got overwrote the version it was decided from.
    let audit = room
        .admin()
        .query("SELECT old_version, quantity FROM audit", &[])
        .unwrap();
    for row in &audit {
        let (old, quantity): (i64, i64) = (row.get(0), row.get(1));
        assert_eq!(
            old,
            quantity / 100,
            "an UPDATE overwrote a version it had not read"
        );
    }
    assert!(crud_refusals > 0, "the writers contended");
    assert_eq!(crud_refusals, attempts - audit.len(), "CRUD's refusals");

    // In commit order: ordered by id, the transactions' commit times never go back (the
    // throwaway server keeps them: track_commit_timestamp).
    let committed: Vec<std::time::SystemTime> = room
        .admin()
        .query(
            "SELECT pg_xact_commit_timestamp(xmin) FROM events ORDER BY event_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(committed.len(), ids.len());
    assert!(
        committed.windows(2).all(|pair| pair[0] <= pair[1]),
        "an event with a higher id committed before one with a lower id"
    );
}

/// `log`, `replay` and `verify` read a room's log as they read a folder's: the same bytes for
/// the same run; and a log edited behind the trigger's back (by the room's owner, who may
/// disable it) fails `verify`, naming the event, and is refused by `log`, `replay` and
/// `run --continue` unless --trust.
#[test]
fn log_replay_and_verify_read_a_room_as_a_folder() {
    let room = new_room("verified");
    let dir = tempfile::tempdir().unwrap();
    let db_dir = dir.path().join("db");
    let db_dir = common::path_str(&db_dir);
    let ran = run(["run", "many-customers", "--format", "json"]
        .into_iter()
        .chain(room.args()));
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let ran = run([
        "run",
        "many-customers",
        "--format",
        "json",
        "--db-dir",
        db_dir,
    ]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    for command in [
        &["log", "--format", "json"][..],
        &["replay", "--format", "json"],
        &["replay", "--until", "5003"],
        &["verify", "--format", "json"],
        &["verify"],
    ] {
        let in_room: Output = run(command.iter().copied().chain(room.args()));
        let in_folder: Output = run(command.iter().copied().chain(["--db-dir", db_dir]));
        assert_eq!(in_room.code, Some(0), "{command:?}: {}", in_room.stderr);
        assert_eq!(
            in_room.stdout_text(),
            in_folder.stdout_text(),
            "{command:?}"
        );
    }

    room.admin()
        .batch_execute(
            "ALTER TABLE events DISABLE TRIGGER events_are_never_updated; \
             UPDATE events SET payload = payload || ' ' WHERE event_id = 5002;",
        )
        .unwrap();
    let verified = run(["verify"].into_iter().chain(room.args()));
    assert_eq!(verified.code, Some(1), "{}", verified.stderr);
    let text = verified.stdout_text();
    assert!(
        text.contains("event 5002") && text.contains("nothing refuses UPDATE on events"),
        "{text}"
    );
    for command in [
        &["log"][..],
        &["replay"],
        &["run", "many-customers", "--continue"],
    ] {
        let refused: Output = run(command.iter().copied().chain(room.args()));
        assert_eq!(refused.code, Some(1), "{command:?}: {}", refused.stderr);
        assert!(
            refused.stderr.contains("the first bad event is 5002")
                && refused.stderr.contains("eslab verify --store")
                && refused.stderr.contains(&format!("--room {}", room.name)),
            "{command:?}: {}",
            refused.stderr
        );
        assert!(refused.stdout.is_empty());
    }
    let trusted = run(["log", "--trust"].into_iter().chain(room.args()));
    assert_eq!(trusted.code, Some(0), "{}", trusted.stderr);
}

/// The server ends the run's connections mid-run (as a restart or a dropped network would):
/// eslab stops with a clear error naming the step, exit 2; the room's log still verifies
/// (no command half-written); and the same run with --continue reconnects and finishes, the
/// room then holding exactly what an uninterrupted run holds.
#[test]
fn a_server_that_goes_away_mid_run_leaves_nothing_half_written() {
    let room = new_room("cut");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.json");
    common::write_generated(
        common::Env::Clean,
        &file,
        &["--orders", "300", "--changes", "2"],
    );
    let file = common::path_str(&file);
    let whole: serde_json::Value = common::json(["run", file, "--format", "json"]);

    let child = std::process::Command::new(env!("CARGO_BIN_EXE_eslab"))
        .args(["run", file, "--format", "json"])
        .args(room.args())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut admin = room.admin();
    let role = format!("eslab_room_{}", room.name);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let events: i64 = admin
            .query_one("SELECT count(*) FROM events", &[])
            .unwrap()
            .get(0);
        if events >= 50 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let ended: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1",
            &[&role],
        )
        .unwrap()
        .get(0);
    assert!(ended >= 1, "no connection of the run to end");
    let cut: Output = child.wait_with_output().unwrap().into();
    assert_eq!(cut.code, Some(2), "{}", cut.stderr);
    assert!(
        cut.stderr.starts_with("eslab: error: step ") && cut.stderr.contains(" failed on "),
        "{}",
        cut.stderr
    );
    let verified = run(["verify"].into_iter().chain(room.args()));
    assert_eq!(verified.code, Some(0), "{}", verified.stdout_text());

    let resumed = run(["run", file, "--format", "json", "--continue"]
        .into_iter()
        .chain(room.args()));
    assert_eq!(resumed.code, Some(0), "{}", resumed.stderr);
    let resumed: serde_json::Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(resumed["summary"]["storage"], whole["summary"]["storage"]);
    let replayed = |args: Vec<&str>| run(args).stdout_text();
    assert_eq!(
        replayed(
            ["replay", "--format", "json"]
                .into_iter()
                .chain(room.args())
                .collect()
        ),
        {
            let db = dir.path().join("db");
            let db = common::path_str(&db);
            let ok = run(["run", file, "--format", "json", "--db-dir", db]);
            assert_eq!(ok.code, Some(0), "{}", ok.stderr);
            replayed(vec!["replay", "--format", "json", "--db-dir", db])
        },
        "the resumed room replays to the states of an uninterrupted run"
    );
}

/// A room is kept, like a folder: a second run of a scenario the room already holds steps of
/// is refused (exit 2, nothing written) unless it says --continue, which then does nothing
/// twice.
#[test]
fn a_room_runs_a_scenario_once_unless_continued() {
    let room = new_room("again");
    let first = run(["run", "bob", "--format", "json"]
        .into_iter()
        .chain(room.args()));
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let again = run(["run", "bob"].into_iter().chain(room.args()));
    assert_eq!(again.code, Some(2));
    assert!(
        again
            .stderr
            .contains("already holds steps of this scenario")
            && again.stderr.contains("--continue"),
        "{}",
        again.stderr
    );
    let continued = run(["run", "bob", "--format", "json", "--continue"]
        .into_iter()
        .chain(room.args()));
    assert_eq!(continued.code, Some(0), "{}", continued.stderr);
    let continued: serde_json::Value = serde_json::from_slice(&continued.stdout).unwrap();
    let said = continued["summary_text"][0].as_str().unwrap();
    assert!(said.starts_with("Nothing was left to run"), "{said}");
    let events: i64 = room
        .admin()
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(events, 3);
}

/// The README's room, as two people type it: Alice places A1 and changes it having read
/// version 1; Bob, having read version 1 too, saves 7. CRUD's row silently takes Bob's 7 over
/// Alice's 6 (a lost update); the log refuses Bob's stale write and shows what he missed. Each
/// command is recorded as its attendee's (`--as`).
#[test]
fn two_attendees_see_a_lost_update_and_a_conflict() {
    let room = new_room("two");
    let live = |name: &str, typed: &str| -> Output {
        let mut cmd = common::eslab();
        cmd.args(["live", "--empty", "--as", name])
            .args(room.args())
            .write_stdin(typed);
        cmd.output().unwrap().into()
    };
    let alice = live("alice", "place A1 Bob Book 5 10\nchange A1 6 @1\n");
    assert_eq!(alice.code, Some(0), "{}", alice.stderr);
    let bob = live("bob", "change A1 7 @1\n");
    assert_eq!(bob.code, Some(0), "{}", bob.stderr);
    let said = bob.stdout_text();
    assert!(
        said.contains("quantity: 6 → 7")
            && said.contains("rejected: concurrency conflict on A1")
            && said.contains("ModifyOrderEvent (quantity 6)"),
        "{said}"
    );
    let mut admin = room.admin();
    let row = admin
        .query_one(
            "SELECT quantity, updated_by FROM orders WHERE order_id = 'A1'",
            &[],
        )
        .unwrap();
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, String>(1)),
        (7, "bob".into())
    );
    let actors: Vec<String> = admin
        .query("SELECT actor FROM events ORDER BY event_id", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(actors, ["alice", "alice"]);
}

mod random {
    //! Random scenarios answer alike in memory and in a room: every step's facts, the
    //! summary, the histories — the whole trace, with and without --crud-locking.

    use proptest::prelude::*;

    use crate::common::library::{proptest_config, run_both_designs};
    use crate::common::ops::{self, Mix};
    use crate::common::pg::new_room;
    use eslab::Scenario;
    use eslab::StorageOptions;

    proptest! {
        #![proptest_config(proptest_config(24))]

        #[test]
        fn random_scenarios_answer_alike_in_memory_and_in_a_room(
            steps in ops::ops(Mix {
                view_down: true,
                deploys: true,
                time_travel: true,
                questions: true,
                versions: true,
            }, 30),
            crud_locking in any::<bool>(),
        ) {
            let text = ops::scenario_json("random", 2001, &steps).to_string();
            let scenario = || Scenario::from_json("random", &text).unwrap();
            let memory = StorageOptions { crud_locking, ..StorageOptions::default() };
            let room = new_room("random");
            let in_room = StorageOptions {
                crud_locking,
                store: Some(eslab::PgStore::new(&room.url, &room.name).unwrap()),
                ..StorageOptions::default()
            };
            let (a, _) = run_both_designs("random", scenario(), &memory).unwrap();
            let (b, _) = run_both_designs("random", scenario(), &in_room).unwrap();
            prop_assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap());
        }
    }
}

/// `eslab live` in a room as a user would run it in a terminal.
fn live_in_tmux(room: &Room, extra: &str) -> String {
    format!(
        "{} live --store {} --room {} {extra}; echo eslab-exited-$?; sleep 30",
        env!("CARGO_BIN_EXE_eslab"),
        room.url,
        room.name
    )
}

/// A live view in a room follows it: what another attendee's `eslab live` appends, and the
/// row it overwrites, show on Alice's screen without a key pressed there — her events and
/// rows as they arrive, who wrote them, and the log's count moving on. Her own command after
/// them comes after them in her log, none skipped.
#[test]
fn a_live_view_shows_what_others_write_as_it_arrives() {
    let room = new_room("follow");
    let dir = tempfile::tempdir().unwrap();
    let tmux = common::tmux::Tmux::new(dir.path());
    tmux.open("alice", 160, 40, &live_in_tmux(&room, "--empty --as alice"));
    tmux.wait_for("alice", &["step 0/0"]);
    let bob = |typed: &str| {
        let out: Output = common::eslab()
            .args(["live", "--empty", "--as", "bob"])
            .args(room.args())
            .write_stdin(typed)
            .output()
            .unwrap()
            .into();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
    };
    bob("place A1 Bob Book 5 10\n");
    let screen = tmux.wait_for(
        "alice",
        &["#1 NewOrderEvent A1", "#1 appended by bob", "(1 event)"],
    );
    // Bob's command commits twice, the row and then the log: one arrival ("1 event and 1
    // row") unless the two commits came further apart than the view waits for, as on a
    // loaded machine; then the row arrived one frame before.
    let insert = "INSERT A1 Placed: 5 × $10.00 = $50.00, paid $0.00 (written by bob)";
    if !screen.contains("from the room: 1 event and 1 row") {
        tmux.keys("alice", &["Left"]);
        tmux.wait_for("alice", &["from the room: 1 row", insert]);
        tmux.keys("alice", &["Right"]);
    }
    tmux.wait_for("alice", &["#1 appended by bob"]);
    bob("change A1 7 @1\n");
    let screen = tmux.wait_for(
        "alice",
        &[
            "#2 ModifyOrderEvent A1",
            "UPDATE A1 Placed: 7 × $10.00 = $70.00, paid $0.00 (written by bob)",
            "(2 events)",
        ],
    );
    assert!(!screen.contains("eslab-exited"), "{screen}");
    // Alice's own command: her event is #3, after Bob's, and her view shows it as her step.
    tmux.keys("alice", &[":", "pay A1 70", "Enter"]);
    tmux.wait_for(
        "alice",
        &["#3 OrderPaymentEvent A1", "(3 events)", "step 1/1"],
    );
    tmux.keys("alice", &["q"]);
    tmux.wait_for("alice", &["eslab-exited-0"]);
}

/// `eslab live --watch`: the instructor's screen shows the whole room's log as it grows, and
/// refuses a typed command, saying why, writing nothing.
#[test]
fn watch_shows_the_room_as_it_grows_and_refuses_commands() {
    let room = new_room("watch");
    let dir = tempfile::tempdir().unwrap();
    let attendee = |name: &str, typed: &str| {
        let out: Output = common::eslab()
            .args(["live", "--empty", "--as", name])
            .args(room.args())
            .write_stdin(typed)
            .output()
            .unwrap()
            .into();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
    };
    attendee("alice", "place A1 Bob Book 5 10\n");
    let tmux = common::tmux::Tmux::new(dir.path());
    tmux.open("watch", 120, 40, &live_in_tmux(&room, "--watch"));
    tmux.wait_for(
        "watch",
        &[
            "Watching room",
            "#1 NewOrderEvent A1",
            "#1 appended by alice",
        ],
    );
    attendee("bob", "place B1 Ann Pen 2 3\npay B1 6\n");
    tmux.wait_for(
        "watch",
        &[
            "#3 OrderPaymentEvent B1",
            "#3 appended by bob",
            "(3 events)",
        ],
    );
    tmux.keys("watch", &[":", "place C1 Eve Cup 1 1", "Enter"]);
    tmux.wait_for("watch", &["--watch only shows the room"]);
    let events: i64 = room
        .admin()
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(events, 3, "a watching view writes nothing");
    tmux.keys("watch", &["q"]);
    tmux.wait_for("watch", &["eslab-exited-0"]);

    // Without a terminal there is nothing to watch on: said, exit 2.
    let out: Output = common::eslab()
        .args(["live", "--watch"])
        .args(room.args())
        .write_stdin("")
        .output()
        .unwrap()
        .into();
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("--watch shows the room on a terminal"),
        "{}",
        out.stderr
    );
}

/// `sslmode=require` (libpq's meaning: encrypted, the certificate not checked) works against
/// the throwaway server, which serves TLS with a self-signed certificate: a run and `verify`
/// over it, and the server says the connection was encrypted.
#[test]
fn sslmode_require_connects_over_tls() {
    let room = new_room("tls");
    let url = format!("{}?sslmode=require", room.url);
    let args = ["--store", url.as_str(), "--room", room.name.as_str()];
    let out = run(["run", "bob"].into_iter().chain(args));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = run(["verify"].into_iter().chain(args));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    // While a watching view is connected, the server lists its connection as encrypted.
    let dir = tempfile::tempdir().unwrap();
    let tmux = common::tmux::Tmux::new(dir.path());
    let command = format!(
        "{} live --store '{url}' --room {} --watch; sleep 30",
        env!("CARGO_BIN_EXE_eslab"),
        room.name
    );
    tmux.open("watch", 120, 40, &command);
    tmux.wait_for("watch", &["#2003 OrderPaymentEvent"]);
    let encrypted: Vec<bool> = room
        .admin()
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.usename = $1",
            &[&format!("eslab_room_{}", room.name)],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(
        !encrypted.is_empty() && encrypted.iter().all(|&ssl| ssl),
        "{encrypted:?}"
    );
}

/// A server reached through its Unix socket (the host a folder, percent-encoded in the URL, as
/// libpq writes it): eslab connects, in its default `sslmode=prefer`, and runs a room there.
#[test]
fn a_room_on_a_unix_socket_is_reached() {
    let room = new_room("socket");
    let server = common::pg::server();
    let role = format!("eslab_room_{}", room.name);
    let folder = server.socket_dir.replace('/', "%2F");
    let url = format!("postgres://{role}@{folder}:{}/postgres", server.port);
    let args = ["--store", url.as_str(), "--room", room.name.as_str()];
    let out = run(["run", "bob"].into_iter().chain(args));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let events: i64 = room
        .admin()
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(events, 3);
}

/// `eslab room late-reader` plays the lesson on the server: with ids from a sequence, the
/// reader that remembers "the last id I saw" reads #8 before #7 commits and never reads #7;
/// with a room's head row, the fast writer waits, and the reader reads #7 and #8. The question
/// comes before any outcome, the note after both; the scratch room is gone afterwards.
#[test]
fn the_late_reader_lesson_shows_a_sequence_skip_an_event_and_the_head_row_not() {
    let server = common::pg::server();
    let out = run([
        "room",
        "late-reader",
        server.admin_url.as_str(),
        "--room",
        "lesson_1",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let said = out.stdout_text();
    let at = |needle: &str| {
        said.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} is not in:\n{said}"))
    };
    let question = at("Question:");
    let sequence = at("1. Ids from a sequence");
    let head_row = at("2. eslab's room");
    let note = at("Note:");
    assert!(
        question < sequence && sequence < head_row && head_row < note,
        "{said}"
    );
    let (seq, head) = (&said[sequence..head_row], &said[head_row..note]);
    for needle in [
        "slow writer: took #7, not committed yet",
        "fast writer: took #8, committed",
        "reader, after #6: reads #8 → remembers #8",
        "reader, after #8: reads nothing → remembers #8",
        "✗ the log holds #7, #8; the reader never read #7",
    ] {
        assert!(seq.contains(needle), "{needle:?} in:\n{seq}");
    }
    for needle in [
        "slow writer: took #7, not committed yet (it holds the head row)",
        "fast writer: waits for the head row",
        "reader, after #6: reads nothing → remembers #6",
        "slow writer: commits #7; fast writer: takes #8, commits",
        "reader, after #6: reads #7, #8 → remembers #8",
        "✓ the log holds #7, #8; the reader read every one",
    ] {
        assert!(head.contains(needle), "{needle:?} in:\n{head}");
    }
    let mut admin = ::postgres::Client::connect(&server.admin_url, ::postgres::NoTls).unwrap();
    let left = admin
        .query_opt(
            "SELECT 1 FROM pg_namespace WHERE nspname = 'eslab_room_lesson_1'",
            &[],
        )
        .unwrap();
    assert!(left.is_none(), "the scratch room was dropped");
    // A room people work in is never played in.
    let room = new_room("kept");
    let out = run(["room", "late-reader", server.admin_url.as_str(), "--room"]
        .into_iter()
        .chain([room.name.as_str()]));
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("already exists"), "{}", out.stderr);
}

/// `eslab bench --store URL` measures a room (not timed here: only that it runs every writer
/// count and design, every command lands — the bench itself checks its log gap-free, chained
/// and in commit order, grouped commits too — the log is read back, and its scratch room is
/// gone afterwards).
#[test]
fn bench_measures_a_room_in_a_scratch_room() {
    let server = common::pg::server();
    let out = run([
        "bench",
        "--store",
        server.admin_url.as_str(),
        "--room",
        "bench_1",
        "--store-commands",
        "3",
    ]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let said = out.stdout_text();
    let rows: Vec<Vec<&str>> = said
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|cells| cells.len() == 6 && cells[0].parse::<u32>().is_ok())
        .collect();
    let writers: Vec<&str> = rows.iter().map(|cells| cells[0]).collect();
    assert_eq!(writers, ["1", "4", "16"], "{said}");
    for cells in &rows {
        for rate in &cells[1..] {
            assert!(rate.parse::<f64>().unwrap() > 0.0, "{said}");
        }
    }
    // The log read back: the writers' 2 × 21 × 3 events and the replay's 200,000, each way.
    assert!(said.contains(", 200126 events "), "{said}");
    for read in ["replayed into OrderView", "verified"] {
        let line = said.lines().find(|l| l.starts_with(read)).expect(read);
        let rate: Vec<&str> = line[read.len()..].split_whitespace().collect();
        assert_eq!(rate.len(), 2, "{line}");
        assert!(rate[0].parse::<f64>().unwrap() > 0.0, "{line}");
    }
    let mut admin = ::postgres::Client::connect(&server.admin_url, ::postgres::NoTls).unwrap();
    let left = admin
        .query_opt(
            "SELECT 1 FROM pg_namespace WHERE nspname = 'eslab_room_bench_1'",
            &[],
        )
        .unwrap();
    assert!(left.is_none(), "the scratch room was dropped");
}

/// A room's log is read as it arrives, never held whole: while the reader visits the first
/// event of a log of 20 MB, the server is still sending the rest (its query is still running);
/// a reader that had loaded every row first would find it done.
#[test]
fn a_rooms_log_is_read_as_it_arrives() {
    let room = new_room("streamed");
    room.admin()
        .batch_execute(
            "ALTER TABLE events DISABLE TRIGGER USER;
             INSERT INTO events (event_id, stream_id, stream_version, event_type, payload, hash)
             SELECT i, 'A' || i, 1, 'NewOrderEvent', repeat('x', 1000),
                    decode(repeat('00', 32), 'hex')
             FROM generate_series(1, 20000) AS i;",
        )
        .unwrap();
    let log = PgLog::new(room.attendee(), 1);
    let mut watcher = room.admin();
    let mut visited = 0;
    let mut running_at_first = None;
    log.for_each_row(|_| {
        visited += 1;
        if visited == 1 {
            let running: i64 = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' \
                     AND query LIKE 'SELECT event_id%FROM events ORDER BY event_id'",
                    &[],
                )
                .unwrap()
                .get(0);
            running_at_first = Some(running);
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(visited, 20000);
    assert_eq!(
        running_at_first,
        Some(1),
        "the query was over before the first row was read"
    );
}
