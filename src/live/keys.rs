//! Keys → messages. On the command line every printable key is typed; elsewhere the keys in
//! the footer act.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::state::{Mode, Msg};
use crate::narrate::Guess;

/// The footer: the keys the view answers to.
pub(crate) const FOOTER: &str =
    "→/Space next  ← back  Home/End  ↑↓ time travel  : command  ? help  q quit";

/// The footer while travelling over the log: how to leave it comes first.
pub(crate) const FOOTER_TRAVEL: &str =
    "t/Esc back to the step  ↑↓ older/newer event  → next  ← back  ? help  q quit";

/// Before the first step.
pub(crate) const START: &str = "press → for the first step";

/// Under a step asked, before its outcome.
pub(crate) const REVEAL: &str = "→ shows what each design did";

/// `?`: every key, what it does.
pub(crate) const HELP: &str = "\
Keys
  → Space Enter  the next step: first its command and question,
                 then on the next key what each design did
  ← Backspace    the step before
  Home  End      the first step · run to the last
  ↑ ↓            time travel: OrderView as of an older or newer event
  t  Esc         back from time travel to the step
  :              type a command; Enter runs it at once, Esc drops it
  ?              this help, then the legend
  q  Ctrl-C      quit";

pub fn message(mode: &Mode, key: KeyEvent) -> Option<Msg> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Msg::Quit);
    }
    if let Mode::Predict(_) = mode {
        return match key.code {
            KeyCode::Esc => Some(Msg::Back),
            KeyCode::Char('q') => Some(Msg::Quit),
            KeyCode::Char(c) => Guess::ALL
                .into_iter()
                .find(|g| g.key() == c)
                .map(Msg::Guess),
            _ => None,
        };
    }
    if let Mode::Command(_) = mode {
        return match key.code {
            KeyCode::Enter => Some(Msg::Submit),
            KeyCode::Esc => Some(Msg::Back),
            KeyCode::Backspace => Some(Msg::Erase),
            KeyCode::Char(c) => Some(Msg::Type(c)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Right | KeyCode::Char(' ') | KeyCode::Char('l') | KeyCode::Enter => Msg::Next,
        KeyCode::Left | KeyCode::Char('h') | KeyCode::Backspace => Msg::Previous,
        KeyCode::Home => Msg::First,
        KeyCode::End => Msg::Last,
        KeyCode::Up | KeyCode::Char('k') => Msg::Travel(-1),
        KeyCode::Down | KeyCode::Char('j') => Msg::Travel(1),
        KeyCode::Char('t') => Msg::Present,
        KeyCode::Char('?') => Msg::Help,
        KeyCode::Char(':') => Msg::OpenCommand,
        KeyCode::Char('q') => Msg::Quit,
        KeyCode::Esc => Msg::Back,
        _ => return None,
    })
}
