//! What the full-screen view shows, kept per step so that going back shows the earlier state
//! exactly without running anything again: the log only grows (a step's log is a prefix of
//! it), and each order's rows are kept with the step that wrote them, so any step's screen is
//! an index away. Each step's frame comes from the one timeline (`crate::timeline`): this
//! keeps frames, it folds nothing.

use std::collections::HashMap;

use crate::domain::{OrderId, StoredEvent};
use crate::narrate::{self, Guess};
use crate::pg::RowWrite;
use crate::scenario::Step;
use crate::service::{Backend, OrderState, Outcome};
use crate::timeline::Timeline;
use crate::trace::StepRecord;

/// Where the view stood after one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// The log's length after the step.
    pub log_len: usize,
    /// Orders seen so far (a prefix of `Model::orders`).
    pub orders_seen: usize,
    /// Whether OrderView was down after the step.
    pub view_down: bool,
    /// The last event OrderView had applied.
    pub checkpoint: Option<u64>,
    /// The step shown (an index into the session's records), or none: what others wrote to
    /// the room (`arrival`).
    pub record: Option<usize>,
    /// What others wrote to the room, shown by this frame (an index into `Model::arrivals`).
    pub arrival: Option<usize>,
    /// The event where the latest snapshot of OrderView was taken.
    pub snapshot: Option<u64>,
}

/// What others wrote to a room, read from it while this session followed it.
#[derive(Debug, Clone, Default)]
pub struct Arrival {
    /// Others' events, in id order.
    pub events: Vec<StoredEvent>,
    /// The rows others wrote: each as it is now, as it was shown before, and who wrote it.
    pub rows: Vec<(OrderState, Option<OrderState>, Option<String>)>,
}

/// A row CRUD held after a step that wrote it.
struct CrudRow {
    step: usize,
    state: OrderState,
    /// The columns a migration added, as the timeline reports them.
    added: Vec<AddedCell>,
}

/// A cell of a column a migration added (`change_reason`): its value, and the one the step
/// overwrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedCell {
    pub column: &'static str,
    pub value: String,
    pub old: Option<String>,
}

/// Every step's screen, built as steps run.
#[derive(Default)]
pub struct Model {
    pub log: Vec<StoredEvent>,
    pub frames: Vec<Frame>,
    /// Orders in the order they first appear.
    pub orders: Vec<OrderId>,
    index: HashMap<OrderId, usize>,
    /// Per order, the rows CRUD held, with the step (from 0) that wrote each.
    crud_rows: Vec<Vec<CrudRow>>,
    /// Per order, its events: indexes into `log`, each with OrderView's state of the order
    /// right after it, as the timeline folded it.
    order_events: Vec<Vec<(usize, Option<OrderState>)>>,
    timeline: Timeline,
    /// What others wrote, one per frame that shows it.
    pub arrivals: Vec<Arrival>,
    /// Steps pushed so far.
    steps: usize,
}

impl Model {
    /// Adds the screen after `record`, the next step.
    pub fn push(&mut self, record: &StepRecord) {
        let step = self.frames.len();
        let frame = self.timeline.push(record);
        if let Some(Outcome::Applied {
            state: Some(state), ..
        }) = record.result(Backend::Crud)
        {
            let text = |v: &crate::service::ColumnValue| crate::sanitize::clean(&v.to_string());
            let added = frame.row.as_ref().map_or_else(Vec::new, |row| {
                row.added_columns()
                    .into_iter()
                    .map(|(column, value, old)| AddedCell {
                        column,
                        value: text(value),
                        old: old.map(text),
                    })
                    .collect()
            });
            let order = self.order(&state.order_id);
            self.crud_rows[order].push(CrudRow {
                step,
                state: state.clone(),
                added,
            });
        }
        if let Some((column, default)) = frame.migrated {
            self.fill_migrated(step, column, default);
        }
        for appended in frame.events {
            let order = self.order(&appended.event.stream_id);
            self.order_events[order].push((self.log.len(), appended.state));
            self.log.push(appended.event.clone());
        }
        self.frames.push(Frame {
            log_len: frame.log_len,
            orders_seen: self.orders.len(),
            view_down: frame.view_down,
            checkpoint: frame.checkpoint,
            record: Some(self.steps),
            arrival: None,
            snapshot: frame.latest_snapshot,
        });
        self.steps += 1;
    }

    /// A migration at `step` added `column` to every row, filled with `default`: each row
    /// shows it from this step on, so the room sees the new column where the ALTER TABLE
    /// happened, not only at the next step that writes a row.
    fn fill_migrated(&mut self, step: usize, column: &'static str, default: &str) {
        for rows in &mut self.crud_rows {
            let Some(last) = rows.last().filter(|row| row.step != step) else {
                continue;
            };
            let mut added: Vec<AddedCell> = last
                .added
                .iter()
                .filter(|cell| cell.column != column)
                .cloned()
                .map(|cell| AddedCell { old: None, ..cell })
                .collect();
            added.push(AddedCell {
                column,
                value: crate::sanitize::clean(default),
                old: None,
            });
            let state = last.state.clone();
            rows.push(CrudRow { step, state, added });
        }
    }

    /// Adds a frame showing what others wrote to the room: their events, and the rows whose
    /// values differ from what this view shows. False, and no frame, when nothing shows.
    pub fn arrive(&mut self, events: Vec<StoredEvent>, rows: &[RowWrite]) -> bool {
        let step = self.frames.len();
        let mut arrival = Arrival::default();
        for write in rows {
            let order = self.order(&write.state.order_id);
            let shown = self.crud_rows[order].last().map(|row| row.state.clone());
            if shown.as_ref() == Some(&write.state) {
                continue; // this session's own write, or one that changed nothing shown
            }
            self.crud_rows[order].push(CrudRow {
                step,
                state: write.state.clone(),
                added: Vec::new(),
            });
            arrival
                .rows
                .push((write.state.clone(), shown, write.by.clone()));
        }
        for (appended, folded) in events.iter().zip(self.timeline.arrive(&events)) {
            let order = self.order(&appended.stream_id);
            self.order_events[order].push((self.log.len(), folded.state));
            self.log.push(appended.clone());
        }
        if events.is_empty() && arrival.rows.is_empty() {
            return false;
        }
        arrival.events = events;
        let (log_len, view_down, checkpoint) = self.timeline.standing();
        self.frames.push(Frame {
            log_len,
            orders_seen: self.orders.len(),
            view_down,
            checkpoint,
            record: None,
            arrival: Some(self.arrivals.len()),
            snapshot: self.frames.last().and_then(|frame| frame.snapshot),
        });
        self.arrivals.push(arrival);
        true
    }

    /// What others wrote, if the frame shows that.
    pub fn arrival(&self, frame: usize) -> Option<&Arrival> {
        self.arrivals.get(self.frames.get(frame)?.arrival?)
    }

    fn order(&mut self, id: &OrderId) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.orders.push(id.clone());
        self.crud_rows.push(Vec::new());
        self.order_events.push(Vec::new());
        self.index.insert(id.clone(), self.orders.len() - 1);
        self.orders.len() - 1
    }

    pub fn order_index(&self, id: &OrderId) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// The row CRUD held for an order after `step`, the one it replaced if that step wrote
    /// it, and its cells in columns a migration added (with the old value that step
    /// overwrote).
    pub fn crud_row(
        &self,
        order: usize,
        step: usize,
    ) -> Option<(&OrderState, Option<&OrderState>, Vec<AddedCell>)> {
        let rows = &self.crud_rows[order];
        let at = rows.partition_point(|row| row.step <= step);
        let now = rows.get(at.checked_sub(1)?)?;
        let written_here = now.step == step;
        let before = (written_here && at >= 2).then(|| &rows[at - 2].state);
        let added = now
            .added
            .iter()
            .map(|cell| AddedCell {
                old: cell.old.clone().filter(|_| written_here),
                ..cell.clone()
            })
            .collect();
        Some((&now.state, before, added))
    }

    /// OrderView's state of an order after its last event among the first `log_len`.
    pub fn view_state(&self, order: usize, log_len: usize) -> Option<OrderState> {
        let events = &self.order_events[order];
        let seen = events.partition_point(|(i, _)| *i < log_len);
        events.get(seen.checked_sub(1)?)?.1.clone()
    }
}

/// What the view is doing besides showing a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// The `:` command line, with what is typed so far.
    Command(String),
    /// The keys and the typed commands, over everything.
    Help,
    /// The legend, over everything.
    Legend,
    /// `--predict`: a step waits to run until the room has said what each design will do.
    Predict(Box<Prediction>),
}

/// A step waiting for the room's predictions, one per design in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    /// The typed step, or `None` for the scenario's next one.
    pub typed: Option<Step>,
    pub guesses: Vec<Guess>,
}

/// `--predict`: how many predictions were right, of how many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub right: u64,
    pub asked: u64,
}

/// A message on the command line: a command's outcome, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub error: bool,
    pub text: String,
}

/// A step asked before its outcome is shown: its number (from 1), its command, and the
/// question it puts to the room.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub number: usize,
    pub action: &'a crate::scenario::Action,
    pub question: Option<&'a str>,
}

/// What a key asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    Next,
    Previous,
    First,
    Last,
    /// Move the time-travel cursor over the log: older (-1) or newer (+1).
    Travel(i64),
    /// Leave time travel.
    Present,
    /// The keys and commands, then the legend, then closed.
    Help,
    /// `--predict`: what the room expects of the next design asked.
    Guess(Guess),
    OpenCommand,
    Type(char),
    Erase,
    Submit,
    /// Close the command line or the legend, or leave time travel.
    Back,
    Quit,
}

/// The whole state of the full-screen view: the session, every step's screen, and where the
/// view stands.
pub struct App {
    pub session: super::Session,
    pub model: Model,
    /// The step shown (from 0); `None` before the first.
    pub at: Option<usize>,
    /// The time-travel cursor: an index into the log.
    pub cursor: Option<usize>,
    pub mode: Mode,
    pub message: Option<Message>,
    pub quit: bool,
    /// Whether the step shown is revealed: a step is first asked (its command and question,
    /// the panes as they stood before it), then revealed on the next key.
    pub revealed: bool,
    /// `--predict`: the score, and each new step waits for the room's predictions.
    pub predict: Option<Score>,
    /// End was pressed with steps still to run: they run a frame's worth at a time
    /// (`tick`), so the screen keeps answering keys on a long scenario.
    running_to_end: bool,
    /// In a room: the reader that follows what others write (`super::follow`).
    pub room: Option<super::follow::Follower>,
    /// `--watch`: only shows the room; typed commands are refused.
    pub watch: bool,
}

/// How many steps one frame may run towards the end: a few milliseconds in a release build
/// (about 10–25 µs a step, and now and then one of a few ms), well within a 60 Hz frame (16
/// ms), with room left to draw. A count, not a time, so the same keys always give the same
/// screens.
pub const RUN_AHEAD_STEPS: usize = 200;

impl App {
    pub fn new(session: super::Session) -> App {
        let mut model = Model::default();
        for record in session.records() {
            model.push(record);
        }
        let at = model.frames.len().checked_sub(1);
        App {
            session,
            model,
            at,
            cursor: None,
            mode: Mode::Normal,
            message: None,
            quit: false,
            revealed: true,
            predict: None,
            running_to_end: false,
            room: None,
            watch: false,
        }
    }

    /// `eslab live --predict`: every step run from here on first asks what each design will do.
    pub fn predicting(mut self) -> App {
        self.predict = Some(Score::default());
        self
    }

    /// The step the room is predicting, if it is asked to.
    pub fn predicted_step(&self) -> Option<&Step> {
        match &self.mode {
            Mode::Predict(p) => p.typed.as_ref().or_else(|| self.session.next_step()),
            _ => None,
        }
    }

    /// Runs the step predicted, then says how each prediction went, and the score.
    fn reveal(&mut self, prediction: Prediction) -> anyhow::Result<()> {
        match prediction.typed {
            Some(step) => {
                self.session.run_typed(step)?;
            }
            None => {
                self.session.run_next()?;
            }
        }
        self.push_last()?;
        let record = self.session.records().last().expect("just run");
        self.at = Some(self.model.frames.len() - 1);
        self.revealed = true;
        self.cursor = None;
        let score = self.predict.get_or_insert_with(Score::default);
        let mut said = Vec::new();
        for (&backend, &guess) in self.session.backends().iter().zip(&prediction.guesses) {
            let Some(outcome) = record.result(backend) else {
                continue;
            };
            let line = narrate::prediction(backend, guess, Guess::of(outcome));
            score.asked += 1;
            if line.mark == Some(narrate::Mark::Held) {
                score.right += 1;
            }
            said.push(line.text);
        }
        said.push(narrate::score(score.right, score.asked));
        self.message = Some(Message {
            error: false,
            text: said.join(" · "),
        });
        Ok(())
    }

    /// Whether steps are still being run towards the end (End on a long scenario).
    pub fn busy(&self) -> bool {
        self.running_to_end
    }

    /// Runs up to `steps` steps towards the end, showing the last one run; when none is left,
    /// the run to the end is over.
    pub fn tick(&mut self, steps: usize) -> anyhow::Result<()> {
        if !self.running_to_end {
            return Ok(());
        }
        let mut more = true;
        for _ in 0..steps {
            more = self.run_next()?;
            if !more {
                break;
            }
        }
        more = more && self.session.left() > 0;
        self.at = self.model.frames.len().checked_sub(1);
        self.revealed = true;
        self.cursor = None;
        if more {
            self.message = Some(Message {
                error: false,
                text: format!(
                    "running to the last step: {} of {} (any key stops)",
                    self.model.frames.len(),
                    self.session.planned()
                ),
            });
        } else {
            self.running_to_end = false;
            self.message = None;
        }
        Ok(())
    }

    /// The step shown, if any, asked or revealed (none where the frame shows what others
    /// wrote to the room).
    pub fn record(&self) -> Option<&StepRecord> {
        let record = self.model.frames.get(self.at?)?.record?;
        self.session.records().get(record)
    }

    /// The step shown, once revealed: what each design did is shown only then.
    pub fn revealed_record(&self) -> Option<&StepRecord> {
        self.record()
            .filter(|_| self.revealed && self.asked().is_none())
    }

    /// The step the room is asked about, before its outcome is shown: the one `→` reveals
    /// next, or the one `--predict` waits on. Its number counts from 1.
    pub fn asked(&self) -> Option<Asked<'_>> {
        if let Mode::Predict(_) = self.mode {
            let step = self.predicted_step()?;
            return Some(Asked {
                number: self.session.records().len() + 1,
                action: &step.action,
                question: step.question.as_deref(),
            });
        }
        let record = self.record().filter(|_| !self.revealed)?;
        Some(Asked {
            number: record.step,
            action: &record.action,
            question: record.question.as_deref(),
        })
    }

    /// The step whose end state the panes show (from 0): the step shown once revealed, the
    /// one before it while it is asked; `None` before the first.
    pub fn panes_at(&self) -> Option<usize> {
        match (&self.mode, self.revealed) {
            (Mode::Predict(_), _) | (_, true) => self.at,
            (_, false) => self.at.and_then(|at| at.checked_sub(1)),
        }
    }

    /// Where the panes stand: the frame after `panes_at`.
    pub fn frame(&self) -> Option<Frame> {
        self.panes_at().map(|at| self.model.frames[at])
    }

    /// Runs the scenario's next step; false when none is left.
    fn run_next(&mut self) -> anyhow::Result<bool> {
        if self.session.run_next()?.is_none() {
            return Ok(false);
        }
        self.push_last()?;
        Ok(true)
    }

    pub fn update(&mut self, msg: Msg) -> anyhow::Result<()> {
        // Any key stops a run to the end where it got to; End carries on with it.
        if std::mem::take(&mut self.running_to_end) {
            self.message = None;
        }
        let ran = self.model.frames.len();
        match (&mut self.mode, msg) {
            (_, Msg::Quit) => self.quit = true,
            (Mode::Command(line), Msg::Type(c)) => line.push(c),
            (Mode::Command(line), Msg::Erase) => {
                line.pop();
            }
            (Mode::Command(line), Msg::Submit) => {
                let line = std::mem::take(line);
                self.mode = Mode::Normal;
                self.command(&line)?;
            }
            (Mode::Command(_) | Mode::Help | Mode::Legend, Msg::Back) => self.mode = Mode::Normal,
            (Mode::Command(_), _) => {}
            (Mode::Help, Msg::Help) => self.mode = Mode::Legend,
            (Mode::Legend, Msg::Help) => self.mode = Mode::Normal,
            (Mode::Help | Mode::Legend, _) => {}
            (Mode::Predict(prediction), Msg::Guess(guess)) => {
                prediction.guesses.push(guess);
                if prediction.guesses.len() >= self.session.backends().len() {
                    let Mode::Predict(prediction) = std::mem::replace(&mut self.mode, Mode::Normal)
                    else {
                        unreachable!("matched above")
                    };
                    self.reveal(*prediction)?;
                }
            }
            (Mode::Predict(_), Msg::Back) => self.mode = Mode::Normal,
            (Mode::Predict(_), _) => {}
            (Mode::Normal, msg) => self.normal(msg, ran)?,
        }
        Ok(())
    }

    /// A key with nothing open over the view; `ran` is how many steps had run before it.
    fn normal(&mut self, msg: Msg, ran: usize) -> anyhow::Result<()> {
        match msg {
            Msg::Next if !self.revealed => {
                self.message = None;
                self.revealed = true;
                self.cursor = None;
            }
            Msg::Next => {
                self.message = None;
                let next = self.at.map_or(0, |at| at + 1);
                if next >= ran && self.predict.is_some() && self.session.left() > 0 {
                    self.cursor = None;
                    self.mode = Mode::Predict(Box::new(Prediction {
                        typed: None,
                        guesses: Vec::new(),
                    }));
                } else if next < ran {
                    self.show_asked(next);
                } else if self.run_next()? {
                    // In a room, what others wrote before it may come first.
                    self.show_asked(self.model.frames.len() - 1);
                }
            }
            Msg::Previous => {
                self.message = None;
                match self.at {
                    Some(0) if !self.revealed => self.at = None,
                    Some(at) if at > 0 => self.at = Some(at - 1),
                    _ => {}
                }
                self.revealed = true;
                self.cursor = None;
            }
            Msg::First if ran > 0 => self.show_asked(0),
            Msg::Last => {
                self.running_to_end = true;
                self.tick(RUN_AHEAD_STEPS)?;
            }
            Msg::Travel(by) => {
                let len = self.frame().map_or(0, |f| f.log_len);
                if len > 0 {
                    let from = self.cursor.unwrap_or(len) as i64;
                    self.cursor = Some((from + by).clamp(0, len as i64 - 1) as usize);
                }
            }
            Msg::Present | Msg::Back if self.cursor.is_some() => self.cursor = None,
            Msg::Back => self.quit = true,
            Msg::Help => self.mode = Mode::Help,
            Msg::OpenCommand => {
                self.message = None;
                self.mode = Mode::Command(String::new());
            }
            _ => {}
        }
        Ok(())
    }

    /// Shows step `at` (from 0) at its first beat: its command and question, the panes as
    /// they stood before it.
    fn show_asked(&mut self, at: usize) {
        self.at = Some(at);
        // What others wrote to a room asks nothing: it is shown at once.
        self.revealed = self.model.frames[at].record.is_none();
        self.cursor = None;
    }

    /// Runs a typed command: a bad one gets its message and changes nothing.
    pub fn command(&mut self, line: &str) -> anyhow::Result<()> {
        use super::command::{self, Input};
        self.message = match command::parse(line) {
            Ok(None) => None,
            Err(text) => Some(Message { error: true, text }),
            Ok(Some(Input::Save(path))) => Some(match self.session.save(&path) {
                Ok(steps) => Message {
                    error: false,
                    text: format!(
                        "saved {steps} {} to {}: `eslab run {}` runs them again",
                        crate::narrate::plural(steps as u64, "steps"),
                        path.display(),
                        path.display()
                    ),
                },
                Err(e) => Message {
                    error: true,
                    text: format!("{e:#}"),
                },
            }),
            Ok(Some(Input::Step(step))) if self.predict.is_some() && !self.watch => {
                self.mode = Mode::Predict(Box::new(Prediction {
                    typed: Some(*step),
                    guesses: Vec::new(),
                }));
                None
            }
            Ok(Some(Input::Step(_))) if self.watch => Some(Message {
                error: true,
                text: narrate::watch_is_read_only(),
            }),
            Ok(Some(Input::Step(step))) => {
                self.session.run_typed(*step)?;
                self.push_last()?;
                // Typed at the room, it runs at once: there is no question to ask first.
                self.at = Some(self.model.frames.len() - 1);
                self.revealed = true;
                self.cursor = None;
                None
            }
        };
        Ok(())
    }
}
