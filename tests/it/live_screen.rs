//! The full-screen view of `eslab live`, drawn into ratatui's `TestBackend` and compared with
//! golden screens (insta): Bob at each step, after ←, with the time-travel cursor, with a typed
//! command and with a rejected one; and the keys a person presses.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use eslab::Backend;
use eslab::Session;
use eslab::{App, Mode, Msg};
use eslab::{Services, StorageOptions};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn bob() -> App {
    open(eslab::load_scenario("bob").unwrap())
}

/// A scenario opened on both designs, in memory, as `eslab live` opens it.
fn open(loaded: eslab::LoadedScenario) -> App {
    let services = Services::open(
        &[Backend::Crud, Backend::Es],
        &StorageOptions::default(),
        loaded.scenario.first_event_id,
    )
    .unwrap();
    App::new(Session::open(loaded, services).unwrap())
}

/// The screen at 80 × 24, as text.
fn screen(app: &App) -> String {
    screen_at(app, 80, 24)
}

fn screen_at(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| eslab::draw_live(app, frame, false))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        for x in 0..buffer.area.width {
            line.push_str(buffer[(x, y)].symbol());
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn golden(name: &str, app: &App) {
    insta::assert_snapshot!(name, screen(app));
}

fn press(app: &mut App, code: KeyCode) {
    let msg = eslab::key_message(&app.mode, KeyEvent::new(code, KeyModifiers::NONE))
        .unwrap_or_else(|| panic!("{code:?} does nothing"));
    app.update(msg).unwrap();
}

fn type_command(app: &mut App, line: &str) {
    press(app, KeyCode::Char(':'));
    for c in line.chars() {
        press(app, KeyCode::Char(c));
    }
    press(app, KeyCode::Enter);
}

#[test]
fn bob_at_each_step_and_back() {
    let mut app = bob();
    golden("live_bob_before_the_first_step", &app);
    for step in 1..=4 {
        // Two beats: the step asked, then revealed.
        press(&mut app, KeyCode::Right);
        assert!(!app.revealed);
        golden(&format!("live_bob_step_{step}_asked"), &app);
        press(&mut app, KeyCode::Right);
        assert!(app.revealed);
        golden(&format!("live_bob_step_{step}"), &app);
    }
    // → at the end stays on the last step: nothing more to run.
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.at, Some(3));
    let four = screen(&app);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    golden("live_bob_step_2_after_going_back", &app);
    // Going back ran nothing: the screen of step 2 is the one first shown.
    assert_eq!(app.session.records().len(), 4);
    press(&mut app, KeyCode::End);
    assert_eq!(screen(&app), four, "End shows step 4 as it was");
    press(&mut app, KeyCode::Home);
    assert_eq!(app.at, Some(0));
}

#[test]
fn the_time_travel_cursor_shows_orderview_as_of_an_event() {
    let mut app = bob();
    for _ in 0..6 {
        press(&mut app, KeyCode::Right);
    }
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    let text = screen(&app);
    golden("live_bob_step_3_as_of_2002", &app);
    assert!(text.contains("OrderView as of #2002"), "{text}");
    assert!(text.contains("A1 Placed: 6 × $10.00 = $60.00"), "{text}");
    assert!(
        text.contains("keeps only each order's latest row"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('t'));
    assert_eq!(app.cursor, None);
}

#[test]
fn a_typed_command_runs_on_both_designs_and_a_bad_one_changes_nothing() {
    let mut app = bob();
    press(&mut app, KeyCode::End);
    type_command(&mut app, "place B1 Ann Pen 2 3");
    // Typed at the room, a command runs at once: no question is asked first.
    assert!(app.revealed);
    golden("live_bob_typed_place_b1", &app);
    assert_eq!(app.session.records().len(), 5);
    type_command(&mut app, "change A1 7 @1");
    golden("live_bob_typed_stale_change_rejected", &app);
    type_command(&mut app, "pay B1 1.234");
    assert_eq!(app.session.records().len(), 6, "a bad command runs nothing");
    golden("live_bob_typed_bad_command", &app);
    assert_eq!(app.mode, Mode::Normal);
}

#[test]
fn keys_quit_open_the_legend_and_the_command_line() {
    let mut app = bob();
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Help);
    golden("live_bob_help", &app);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Legend);
    golden("live_bob_legend", &app);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode, Mode::Normal);
    press(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode, Mode::Normal);
    press(&mut app, KeyCode::Char(':'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.quit, "q on the command line is typed, not a quit");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(eslab::key_message(&Mode::Normal, ctrl_c), Some(Msg::Quit));
    assert_eq!(
        eslab::key_message(&Mode::Command(String::new()), ctrl_c),
        Some(Msg::Quit)
    );
}

/// A generated scenario of `orders` orders, ten steps each, opened as `eslab live FILE` would.
fn generated(orders: u64) -> App {
    let workload = eslab::Workload {
        orders,
        changes: 8,
        seed: 7,
    };
    let scenario =
        eslab::Scenario::from_json("generated", &workload.scenario_json().to_string()).unwrap();
    let services = Services::open(
        &[Backend::Crud, Backend::Es],
        &StorageOptions::default(),
        scenario.first_event_id,
    )
    .unwrap();
    App::new(
        Session::open(
            eslab::LoadedScenario {
                name: "generated".into(),
                scenario,
            },
            services,
        )
        .unwrap(),
    )
}

#[test]
fn end_on_a_long_scenario_runs_a_frame_of_steps_at_a_time_and_any_key_stops_it() {
    use eslab::RUN_AHEAD_STEPS;
    let mut app = generated(45);
    press(&mut app, KeyCode::End);
    // The key press ran one frame's worth, not all 450 steps, and the screen says so.
    assert!(app.busy());
    assert_eq!(app.session.records().len(), RUN_AHEAD_STEPS);
    assert_eq!(app.at, Some(RUN_AHEAD_STEPS - 1));
    let text = screen(&app);
    assert!(
        text.contains(&format!(
            "running to the last step: {RUN_AHEAD_STEPS} of 450"
        )),
        "{text}"
    );
    // ← stops it where it got to, and goes back one step.
    press(&mut app, KeyCode::Left);
    assert!(!app.busy());
    assert_eq!(app.at, Some(RUN_AHEAD_STEPS - 2));
    app.tick(RUN_AHEAD_STEPS).unwrap();
    assert_eq!(app.session.records().len(), RUN_AHEAD_STEPS, "stopped");
    // End again carries on; the view's loop ticks between frames until the last step.
    press(&mut app, KeyCode::End);
    while app.busy() {
        app.tick(RUN_AHEAD_STEPS).unwrap();
    }
    assert_eq!(app.at, Some(449));
    assert_eq!(app.session.records().len(), 450);
    assert!(!screen(&app).contains("running to the last step"));
    assert!(screen(&app).contains("step 450/450"), "{}", screen(&app));
}

/// A table wider than its pane leaves out the product, then the customer (never changed once
/// placed, and named on the step line), so that the columns a lesson overwrites stay whole:
/// at 80 columns the last payment's `Placed → Paid` is on screen, where it was cut to `Plac`.
#[test]
fn a_table_too_wide_for_its_pane_leaves_out_what_never_changes() {
    use eslab::RUN_AHEAD_STEPS;
    let mut app = generated(300);
    press(&mut app, KeyCode::End);
    while app.busy() {
        app.tick(RUN_AHEAD_STEPS).unwrap();
    }
    let heading = |screen: &str| {
        screen
            .lines()
            .find(|l| l.contains("order_id"))
            .unwrap()
            .to_string()
    };
    let narrow = screen(&app);
    let table = heading(&narrow);
    assert!(
        table.contains("order_id") && !table.contains("product"),
        "{narrow}"
    );
    assert!(narrow.contains("Placed → Paid"), "{narrow}");
    let wide = screen_at(&app, 120, 24);
    let table = heading(&wide);
    assert!(
        table.contains("customer") && table.contains("product"),
        "{wide}"
    );
    assert!(wide.contains("Placed → Paid"), "{wide}");
}

#[test]
fn predict_asks_each_design_before_a_step_runs_then_reveals_and_scores() {
    let mut app = bob().predicting();
    press(&mut app, KeyCode::Right);
    // Nothing has run: the room is asked about the step to come, CRUD first.
    assert_eq!(app.session.records().len(), 0);
    golden("live_bob_predict_asks_crud", &app);
    press(&mut app, KeyCode::Char('a'));
    let asked_es = screen(&app);
    assert!(
        asked_es.contains("CRUD applied · Predict: what will ES do?"),
        "{asked_es}"
    );
    press(&mut app, KeyCode::Char('r'));
    // Both said: the step ran, and the reveal marks each prediction.
    assert_eq!(app.session.records().len(), 1);
    golden("live_bob_predict_revealed", &app);
    let text = screen(&app);
    assert!(text.contains("✓ CRUD applied"), "{text}");
    assert!(text.contains("✘ ES rejected (it was applied)"), "{text}");
    assert!(text.contains("score 1 of 2"), "{text}");
    for _ in 0..3 {
        press(&mut app, KeyCode::Right);
        press(&mut app, KeyCode::Char('a'));
        press(&mut app, KeyCode::Char('a'));
    }
    assert_eq!(app.session.records().len(), 4);
    // Going back and forth over steps already run asks no prediction (each step is still
    // shown in two beats).
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    for _ in 0..4 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!(app.mode, Mode::Normal);
    assert_eq!(app.at, Some(3));
    // A typed command waits for predictions too; Esc drops it unrun.
    type_command(&mut app, "change A1 9 @1");
    assert!(matches!(app.mode, Mode::Predict(_)));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.session.records().len(), 4, "Esc runs nothing");
    type_command(&mut app, "change A1 9 @1");
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('r'));
    let text = screen(&app);
    // CRUD has no version to check, so it applies the stale change; ES rejects it.
    assert!(
        text.contains("✘ CRUD applied") || text.contains("✓ CRUD applied"),
        "{text}"
    );
    assert!(text.contains("✓ ES rejected"), "{text}");
    assert!(
        matches!(app.predict, Some(score) if score.asked == 10),
        "{:?}",
        app.predict
    );
}

/// A small scenario whose first steps ask the room a question and whose last one does not.
fn asking() -> App {
    let text = serde_json::json!({
        "title": "Asked first",
        "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10},
             "question": "Which design keeps what Bob first asked for?",
             "note": "NOTE-ONE: both store it, each its own way.",
             "expect": {"ok": true, "version": 1}},
            {"change_quantity": {"order_id": "A1", "quantity": 7, "expected_version": 9},
             "question": "Will a change read at version 9 go through?",
             "note": "NOTE-TWO: event sourcing checks the version."},
            {"query": {"order_id": "A1"}}
        ]
    });
    let scenario = eslab::Scenario::from_json("asking", &text.to_string()).unwrap();
    open(eslab::LoadedScenario {
        name: "asking".into(),
        scenario,
    })
}

/// Issue 18 §1: → first asks a step (its command and question, the panes as before it),
/// then reveals what each design did, the answers and the verdicts; ← goes back to a step
/// revealed; a step without a question is asked by its command alone.
#[test]
fn a_step_is_asked_first_then_revealed_on_the_next_key() {
    let mut app = asking();
    press(&mut app, KeyCode::Right);
    let asked = screen(&app);
    assert_contains(
        &asked,
        &[
            "step 1/3 · place_order A1",
            "Which design keeps what Bob first asked for?",
            "→ shows what each design did",
            "OrderView (empty)",
        ],
    );
    for giveaway in [
        "NOTE-ONE",
        "✓ expect",
        "+ #1",
        "A1       Bob",
        "step 1: CRUD",
        "answers",
    ] {
        assert!(
            !asked.contains(giveaway),
            "{giveaway:?} shown before the reveal:\n{asked}"
        );
    }
    press(&mut app, KeyCode::Right);
    let revealed = screen(&app);
    assert_contains(
        &revealed,
        &[
            "NOTE-ONE",
            "✓ expect: applied",
            "+ #1 NewOrderEvent",
            "step 1: CRUD",
            "answers A1 Placed",
        ],
    );
    press(&mut app, KeyCode::Right);
    let asked = screen(&app);
    assert_contains(
        &asked,
        &[
            "Will a change read at version 9 go through?",
            "A1 Placed: 5 ×",
        ],
    );
    for giveaway in ["NOTE-TWO", "rejected", "✗", "5 → 7"] {
        assert!(
            !asked.contains(giveaway),
            "{giveaway:?} shown before the reveal:\n{asked}"
        );
    }
    press(&mut app, KeyCode::Right);
    assert_contains(&screen(&app), &["NOTE-TWO", "✗ rejected", "5 → 7"]);
    // A step with no question: its command, then its outcome.
    press(&mut app, KeyCode::Right);
    let asked = screen(&app);
    assert_contains(
        &asked,
        &["step 3/3 · query A1", "→ shows what each design did"],
    );
    assert!(!asked.contains("step 3: ES"), "{asked}");
    press(&mut app, KeyCode::Right);
    assert_contains(&screen(&app), &["step 3: ES", "answers A1 Placed"]);
    // Back goes to the step before, revealed as it was.
    press(&mut app, KeyCode::Left);
    assert_eq!((app.at, app.revealed), (Some(1), true));
    assert_contains(&screen(&app), &["NOTE-TWO"]);
}

/// Issue 18 §1: `--predict` asks its prediction at the first beat, with the question and
/// never the note; the reveal scores it.
#[test]
fn predict_asks_with_the_question_and_reveals_with_the_note() {
    let mut app = asking().predicting();
    press(&mut app, KeyCode::Right);
    let asked = screen(&app);
    assert_contains(
        &asked,
        &[
            "Which design keeps what Bob first asked for?",
            "Predict: what will CRUD do?",
        ],
    );
    assert!(!asked.contains("NOTE-ONE"), "{asked}");
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('a'));
    assert_contains(
        &screen(&app),
        &["NOTE-ONE", "score 2 of 2", "answers A1 Placed"],
    );
}

fn assert_contains(screen: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            screen.contains(needle),
            "{needle:?} not on the screen:\n{screen}"
        );
    }
}

/// Issue 18 §3, live at 80 × 24: at every step of every bundled scenario, asked and
/// revealed, what the room must read is on screen, whole: each design's answer (its last
/// line), the newest event of the step (or the one time travel selected), and OrderView's
/// line for the order the step concerns. Then the same after ↑ ↑ (time travel).
#[test]
fn at_80x24_the_answer_the_event_and_the_order_are_always_whole_on_screen() {
    use eslab::{design_pane, wrap};
    for name in eslab::BUNDLED.iter().map(|b| b.0) {
        let mut app = open(eslab::load_scenario(name).unwrap());
        let steps = app.session.planned();
        for _ in 0..steps * 2 {
            press(&mut app, KeyCode::Right);
            for travel in [false, true] {
                if travel {
                    press(&mut app, KeyCode::Up);
                    press(&mut app, KeyCode::Up);
                }
                let text = screen(&app);
                let at = format!(
                    "{name}, step {:?} revealed {} travel {travel}",
                    app.at, app.revealed
                );
                let mut whole = Vec::new();
                if let Some(record) = app.revealed_record() {
                    for backend in [Backend::Crud, Backend::Es] {
                        whole.extend(design_pane(record, backend, 38).pop().map(|l| l.1));
                    }
                }
                let frame = app.frame();
                let log_len = frame.map_or(0, |f| f.log_len);
                if let Some(i) = app.cursor.or(log_len.checked_sub(1)) {
                    let entry = eslab::log_entry(&app.model.log[i]);
                    whole.push(entry.split(' ').take(2).collect::<Vec<_>>().join(" "));
                }
                // OrderView's line for the order in focus: the selected event's, or the step's.
                let order = match app.cursor {
                    Some(c) => Some(app.model.log[c].stream_id.clone()),
                    None => app.record().and_then(|r| r.action.order_id().cloned()),
                };
                let shown = match app.cursor {
                    Some(c) => Some(c + 1),
                    None => frame.filter(|f| !f.view_down).map(|f| f.log_len),
                };
                let state = order
                    .and_then(|o| app.model.order_index(&o))
                    .zip(shown)
                    .and_then(|(o, shown)| app.model.view_state(o, shown));
                if let Some(state) = state {
                    whole.extend(wrap(&eslab::order_state_line(state), 32));
                }
                for needle in whole {
                    assert!(
                        text.contains(needle.trim()),
                        "{at}: {needle:?} is not whole on the screen:\n{text}"
                    );
                }
                press(&mut app, KeyCode::Char('t'));
            }
        }
    }
}

/// Issue 18 §3: the live view's words match its keys: while OrderView is down it waits for
/// `:rebuild`, the command the room types, not the scenario file's `rebuild_view`.
#[test]
fn while_orderview_is_down_the_live_view_names_the_command_that_rebuilds_it() {
    let mut app = bob();
    press(&mut app, KeyCode::End);
    type_command(&mut app, "crash");
    let text = screen(&app);
    assert_contains(&text, &["OrderView down", "`:rebuild`"]);
    assert!(!text.contains("rebuild_view"), "{text}");
}

/// Issue 18 §2 in the live view: from the deploy on, the orders table shows the column the
/// migration added (from the timeline), under its row: filled with its default where the
/// ALTER TABLE happens, and old → new at the step that writes it.
#[test]
fn a_column_a_migration_added_shows_under_its_row() {
    let mut app = open(eslab::load_scenario("schema-evolution").unwrap());
    for _ in 0..4 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!((app.at, app.revealed), (Some(1), true));
    assert!(!screen(&app).contains("change_reason"), "{}", screen(&app));
    for _ in 0..2 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!((app.at, app.revealed), (Some(2), true));
    assert_contains(
        &screen(&app),
        &["ALTER TABLE", "change_reason: not recorded"],
    );
    for _ in 0..2 {
        press(&mut app, KeyCode::Right);
    }
    assert_eq!((app.at, app.revealed), (Some(3), true));
    assert_contains(
        &screen(&app),
        &["change_reason: not recorded → the gift is off"],
    );
    press(&mut app, KeyCode::End);
    let text = screen(&app);
    assert_contains(&text, &["change_reason: the gift is off"]);
    assert!(!text.contains("not recorded →"), "{text}");
}

/// Issue 18 §2 in the live view: the log says where the snapshot was taken, once it is.
#[test]
fn the_log_says_where_the_snapshot_was_taken() {
    let mut app = open(eslab::load_scenario("snapshots").unwrap());
    press(&mut app, KeyCode::End);
    assert_contains(
        &screen(&app),
        &[
            "#2012 ModifyOrderEvent B2 v6",
            "(OrderView's snapshot taken here)",
        ],
    );
    press(&mut app, KeyCode::Home);
    assert!(!screen(&app).contains("snapshot taken here"));
}
