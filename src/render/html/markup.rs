//! The page's markup: the frame the script fills (headings, scrubber, panes, legend, summary).

use super::data::{DiffPart, PageData};
use crate::narrate::page::{PAGE_FRAME, what_it_did};
use crate::narrate::{self, Mark};
use crate::service::Backend;
use crate::trace::Trace;

/// The page's frame: headings, the scrubber, the panes the script fills, the legend.
pub(super) fn body(trace: &Trace, title: &str, data: &PageData) -> String {
    let mut out = header(trace, title, data);
    out.push_str("<main>\n");
    out.push_str(STEP_SECTION);
    out.push_str(&payoff_section(data));
    out.push_str("<div class=\"panes\">\n");
    if data.has_crud {
        out.push_str(&crud_pane());
    }
    if data.has_es {
        out.push_str(&es_pane());
    }
    out.push_str("</div>\n</main>\n<div id=\"print\" class=\"print\"></div>\n");
    out.push_str(&footer(data));
    out
}

/// The page's header: the scenario's title and description, a diff's headline, the
/// scrubber.
fn header(trace: &Trace, title: &str, data: &PageData) -> String {
    let mut out = String::new();
    out.push_str("<header class=\"top\">\n");
    out.push_str(&format!("<h1>{}</h1>\n", escape(title)));
    if let Some(description) = &trace.scenario.description {
        out.push_str(&format!(
            "<p class=\"description\">{}</p>\n",
            escape(&crate::sanitize::clean_prose(description))
        ));
    }
    if let Some(diff) = &data.diff {
        out.push_str(&diff_section(diff));
    }
    out.push_str(&scrubber(trace.steps.len(), data));
    out.push_str("</header>\n");
    out
}

/// A diff's headline, with the lists of steps where the designs part (and where only one
/// answers) that the script fills.
fn diff_section(diff: &DiffPart) -> String {
    // Red only where the designs part: an identical run is drawn as held.
    let same = diff.differing.is_empty() && diff.gaps.is_empty();
    let mut out = format!(
        "<section id=\"diff\" class=\"diff {}\">\n",
        if same { "same" } else { "parted" }
    );
    out.push_str(&format!(
        "<p class=\"headline\">{}</p>\n",
        escape(&diff.headline)
    ));
    out.push_str("<ul id=\"diff-steps\" class=\"jumps\"></ul>\n");
    if let Some(gaps) = &diff.gaps_line {
        out.push_str(&format!("<p class=\"gaps\">{}</p>\n", escape(gaps)));
        out.push_str("<ul id=\"gap-steps\" class=\"jumps\"></ul>\n");
    }
    out.push_str("</section>\n");
    out
}

/// The scrubber over `steps` steps (previous, play, next, the slider, the ask-first toggle),
/// and the list of flagged steps the script fills.
fn scrubber(steps: usize, data: &PageData) -> String {
    let words = &PAGE_FRAME;
    format!(
        "<nav class=\"scrubber\" aria-label=\"{steps_label}\">\n\
         <button type=\"button\" id=\"prev\" title=\"{previous_key}\" aria-label=\"{previous}\">←</button>\n\
         <button type=\"button\" id=\"play\" title=\"{play_all}\">▶ {play}</button>\n\
         <button type=\"button\" id=\"next\" title=\"{next_key}\" aria-label=\"{next}\">→</button>\n\
         <input type=\"range\" id=\"slider\" min=\"1\" max=\"{max}\" value=\"1\" aria-label=\"{step}\">\n\
         <output id=\"position\" for=\"slider\"></output>\n\
         <button type=\"button\" id=\"ask\" aria-pressed=\"true\" title=\"{ask_title}\">{ask}</button>\n\
         </nav>\n\
         <ul id=\"flagged\" class=\"jumps\" aria-label=\"{marked}\"></ul>\n",
        steps_label = words.steps,
        previous_key = escape(words.previous_key),
        previous = words.previous,
        play_all = words.play_all,
        play = data.labels.play,
        next_key = escape(words.next_key),
        next = words.next,
        max = steps.max(1),
        step = data.labels.step,
        marked = words.marked_steps,
        ask = words.ask_first,
        ask_title = words.ask_first_title,
    )
}

/// The step shown: its number and flags, what it asks and what it reveals, filled by the
/// script.
const STEP_SECTION: &str = "<section id=\"step\" class=\"step\" aria-live=\"polite\">\n\
         <p class=\"step-number\"><span id=\"step-number\"></span> <span id=\"step-flags\" class=\"flags\"></span></p>\n\
         <div id=\"ask-lines\" class=\"about\"></div>\n\
         <div id=\"about\" class=\"about\"></div>\n</section>\n";

/// The page's footer: the legend, the summary, the keys, and what shows without a script.
fn footer(data: &PageData) -> String {
    let words = &PAGE_FRAME;
    let mut out = String::from("<footer>\n");
    out.push_str(&legend());
    out.push_str(&format!(
        "<section id=\"summary\" class=\"summary\" aria-labelledby=\"summary-heading\">\n<h2 id=\"summary-heading\">{}</h2>\n",
        words.summary
    ));
    for line in &data.summary {
        out.push_str(&format!("<p>{}</p>\n", escape(line)));
    }
    out.push_str(&format!(
        "</section>\n<p class=\"keys\">{}</p>\n\
         <noscript><p>{}</p></noscript>\n</footer>\n",
        words.keys, words.needs_script
    ));
    out
}

/// Every mark's symbol and meaning, each in its mark's colour.
fn legend() -> String {
    let mut out = format!(
        "<section class=\"legend\" aria-labelledby=\"legend-heading\">\n<h2 id=\"legend-heading\">{}</h2>\n<ul>\n",
        PAGE_FRAME.legend
    );
    for mark in Mark::ALL {
        out.push_str(&format!(
            "<li class=\"m-{}\"><span class=\"sym\">{}</span> {}</li>\n",
            mark_class(mark),
            escape(mark.symbol()),
            escape(mark.meaning())
        ));
    }
    out.push_str("</ul>\n</section>\n");
    out
}

/// CRUD's pane: its table, what it did, what it answered.
fn crud_pane() -> String {
    format!(
        "<section class=\"pane crud\" aria-labelledby=\"crud-heading\">\n\
         <h2 id=\"crud-heading\">{heading}</h2>\n\
         <div class=\"table-box\"><table id=\"crud-table\" class=\"rows\"></table></div>\n\
         <p class=\"money\">{money}</p>\n\
         <p id=\"crud-travel\" class=\"travel-note\" hidden></p>\n\
         <div id=\"crud-storage-block\"><h3>{did}</h3>\n<div id=\"crud-storage\" class=\"lines\"></div></div>\n\
         </section>\n",
        heading = narrate::design_heading(Backend::Crud),
        did = what_it_did(Backend::Crud),
        money = PAGE_FRAME.crud_money,
    )
}

/// Event sourcing's pane: its log, what it did, OrderView (and its time travel), what it
/// answered.
fn es_pane() -> String {
    format!(
        "<section class=\"pane es\" aria-labelledby=\"es-heading\">\n\
         <h2 id=\"es-heading\">{heading}</h2>\n\
         <ol id=\"log\" class=\"log\"></ol>\n\
         <div id=\"es-storage-block\"><h3>{did}</h3>\n<div id=\"es-storage\" class=\"lines\"></div></div>\n\
         <div id=\"view-block\">\n\
         <h3>{view} <span id=\"checkpoint\" class=\"checkpoint\"></span></h3>\n\
         <div class=\"table-box\"><table id=\"view-table\" class=\"rows\"></table></div>\n\
         </div>\n\
         <div id=\"travel\" class=\"travel\" hidden>\n\
         <h3 id=\"travel-heading\"></h3>\n\
         <div class=\"table-box\"><table id=\"travel-table\" class=\"rows\"></table></div>\n\
         <button type=\"button\" id=\"travel-close\"></button>\n</div>\n\
         <p class=\"money\">{money}</p>\n\
         </section>\n",
        heading = narrate::design_heading(Backend::Es),
        did = what_it_did(Backend::Es),
        view = PAGE_FRAME.view,
        money = PAGE_FRAME.view_money,
    )
}

/// The step's payoff, right under it: what each design answered (or, when it answered
/// nothing, what it did), so it is on screen without scrolling. Until a step is revealed
/// it says how to reveal it.
fn payoff_section(data: &PageData) -> String {
    let mut out = String::from(
        "<section id=\"payoff\" class=\"payoff\" aria-live=\"polite\">\n\
         <p id=\"reveal-hint\" class=\"reveal-hint\" hidden></p>\n",
    );
    for (backend, has, id) in [
        (Backend::Crud, data.has_crud, "crud-answer"),
        (Backend::Es, data.has_es, "es-answer"),
    ] {
        if has {
            out.push_str(&format!(
                "<div class=\"said\"><h3>{}</h3>\n<div id=\"{id}\" class=\"lines answer\"></div></div>\n",
                narrate::answers_heading(backend)
            ));
        }
    }
    out.push_str("</section>\n");
    out
}

/// CSS class of a mark: its JSON name, as the script uses it.
fn mark_class(mark: Mark) -> String {
    serde_json::to_value(mark)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', "-")))
        .unwrap_or_default()
}

/// Text for HTML, in an element or an attribute.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')"> & co"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp; co"
        );
    }
}
