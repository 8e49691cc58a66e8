//! The header (the scenario, step n / N, the command and its note or question) and the
//! footer (the keys, then the command line, a prediction, or a message).

use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Text};

use super::Paint;
use crate::live::keys;
use crate::live::state::{App, Mode};
use crate::narrate::{self, Mark};
use crate::render::stacked::{self, wrap};

pub(super) fn header(app: &App, width: usize, paint: &Paint) -> Text<'static> {
    let title = crate::sanitize::clean(&app.session.loaded().scenario.title);
    let total = app
        .session
        .planned()
        .max(app.asked().map_or(0, |a| a.number));
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    let mut push = |text: &str, style: Style| {
        lines.extend(
            wrap(text, width)
                .into_iter()
                .map(|t| Line::styled(t, style)),
        );
    };
    if let Some(asked) = app.asked() {
        // The first beat: the command and its question, nothing of what came of it.
        let action = stacked::action_title(asked.action);
        push(
            &format!("{title} · step {}/{total} · {action}", asked.number),
            bold,
        );
        if let Some(question) = asked.question {
            let style = Style::new().add_modifier(Modifier::BOLD | Modifier::ITALIC);
            push(&crate::sanitize::clean_prose(question), style);
        }
    } else if let Some(record) = app.record() {
        let action = stacked::action_title(&record.action);
        push(
            &format!("{title} · step {}/{total} · {action}", record.step),
            bold,
        );
        for line in stacked::step_about(record) {
            push(&line.text, paint.mark(line.mark));
        }
    } else if let Some(arrival) = app.at.and_then(|at| app.model.arrival(at)) {
        let arrived = narrate::arrival_title(arrival.events.len(), arrival.rows.len());
        push(&format!("{title} · {arrived}"), bold);
    } else {
        push(&format!("{title} · step 0/{total} · {}", keys::START), bold);
    }
    Text::from(lines)
}

pub(super) fn footer(app: &App, width: usize, paint: &Paint) -> Text<'static> {
    let keys = if app.cursor.is_some() {
        keys::FOOTER_TRAVEL
    } else {
        keys::FOOTER
    };
    let mut lines: Vec<Line> = wrap(keys, width)
        .into_iter()
        .map(|t| Line::styled(t, Style::new().add_modifier(Modifier::REVERSED)))
        .collect();
    let mut push = |text: &str, style: Style| {
        lines.extend(
            wrap(text, width)
                .into_iter()
                .map(|t| Line::styled(t, style)),
        );
    };
    match (&app.mode, &app.message) {
        (Mode::Command(typed), _) => push(&format!(":{typed}▏"), Style::new()),
        (Mode::Predict(prediction), _) => {
            // What the room said so far, and the design asked next.
            let backends = app.session.backends();
            let mut said: Vec<String> = backends
                .iter()
                .zip(&prediction.guesses)
                .map(|(b, g)| format!("{} {}", narrate::short(*b), g.words()))
                .collect();
            if let Some(&asked) = backends.get(prediction.guesses.len()) {
                said.push(narrate::predict_question(asked));
            }
            push(&said.join(" · "), Style::new());
        }
        (_, Some(message)) => {
            let mark = message.error.then_some(Mark::Rejected);
            push(
                &crate::sanitize::clean_prose(&message.text),
                paint.mark(mark),
            );
        }
        _ if app.asked().is_some() => push(keys::REVEAL, Style::new().add_modifier(Modifier::BOLD)),
        _ => push("", Style::new()),
    }
    Text::from(lines)
}
