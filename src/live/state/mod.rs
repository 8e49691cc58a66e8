//! The full-screen view's state: the app (the session, every step's screen, where the view
//! stands and what is open over it) and the messages keys send it. Every step's screen is
//! kept in `model`; how a message or a typed command changes the app is in `update`.

mod model;
mod room;
mod update;

pub(crate) use self::model::{AddedCell, Arrival};
use self::model::{Frame, Model};
use crate::narrate::Guess;
use crate::scenario::Step;
use crate::trace::StepRecord;

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
    /// In a room: the reader that follows what others write (`room`).
    pub room: Option<room::Follower>,
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

    /// Whether steps are still being run towards the end (End on a long scenario).
    pub fn busy(&self) -> bool {
        self.running_to_end
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
}
