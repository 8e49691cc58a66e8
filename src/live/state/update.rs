//! How the app changes: a key's message (`update`), a typed command, a step revealed after
//! the room's predictions, and the run to the last step a frame's worth at a time (`tick`).

use super::{App, Message, Mode, Msg, Prediction, RUN_AHEAD_STEPS, Score};
use crate::narrate::{self, Guess};

impl App {
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
        use crate::live::command::{self, Input};
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
