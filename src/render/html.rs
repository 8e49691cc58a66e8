//! `--format html`: one self-contained page with a time scrubber, for people to open again
//! after a workshop, offline and without a Rust toolchain.
//!
//! Everything the page shows is computed here, from the trace: the words and marks come from
//! `narrate` (as in the table), the CRUD rows from each step's INSERT or UPDATE, and the
//! states OrderView holds from folding the appended events with the domain's own `apply`
//! (through `OrderView`). The script in `html/page.js` only looks things up and draws them;
//! it knows no rule and words no fact.
//!
//! The page stays small on long runs: each event and each CRUD row change is embedded once,
//! at the step that made it, and the script folds them up to the step shown.
//!
//! Safety: the data is JSON in a `<script type="application/json">` element with `<`, `>`
//! and `&` escaped, so no text can close it; the script inserts every text with
//! `textContent`; the Content-Security-Policy allows only this page's own script and style
//! (by hash) and no load of any kind.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::history::state_row;
use super::text::{Entry, entries};
use crate::narrate::page::{PAGE_FRAME, PageLabels, what_it_did};
use crate::narrate::{self, Line, Mark};
use crate::service::{Agreement, Backend, ColumnValue};
use crate::timeline::{EventFrame, RowFrame, Timeline};
use crate::trace::{StepRecord, Trace};

const CSS: &str = include_str!("html/page.css");
const JS: &str = include_str!("html/page.js");

/// The columns of the CRUD `orders` table, as SQLite names them (see `crud/schema.sql`).
const CRUD_COLUMNS: [&str; 8] = [
    "order_id",
    "customer",
    "product",
    "quantity",
    "unit_price_cents",
    "total_cents",
    "paid_cents",
    "status",
];

/// OrderView's columns: the state histories' own (`run::history_header`), less the step.
const VIEW_COLUMNS: [&str; 7] = [
    "Order", "Status", "Quantity", "Price", "Total", "Paid", "Version",
];

/// The marks worth flagging on a step at a glance: what went wrong or differs.
const FLAGGED: [Mark; 6] = [
    Mark::Rejected,
    Mark::Cannot,
    Mark::ViewDown,
    Mark::ViewBack,
    Mark::Differs,
    Mark::Failed,
];

/// `eslab run --format html`.
pub(super) fn run_page(trace: &Trace) -> String {
    page(trace, None)
}

/// `eslab diff --format html`: the same page, opening at the first divergence (or gap), with
/// the diff's headline and a link to every step where the designs part or only one answers.
pub(super) fn diff_page(trace: &Trace) -> String {
    let steps_where = |agreement| -> Vec<usize> {
        trace
            .steps_where(agreement)
            .iter()
            .map(|s| s.step)
            .collect()
    };
    let differing = steps_where(Agreement::Different);
    let gaps = steps_where(Agreement::Gap);
    let diff = DiffPart {
        headline: narrate::diff_headline(&trace.scenario.name, &trace.summary),
        gaps_line: (!gaps.is_empty()).then(|| narrate::diff_gaps(&gaps)),
        differing,
        gaps,
    };
    page(trace, Some(diff))
}

#[derive(Serialize)]
struct PageData {
    labels: PageLabels<PageLine>,
    /// `Mark::ALL` by name: a line's mark is an index into it.
    marks: Vec<Mark>,
    /// Each mark's symbol and meaning, as the legend gives them.
    symbols: Vec<&'static str>,
    meanings: Vec<&'static str>,
    crud_columns: Vec<&'static str>,
    /// The step from which each CRUD column shows: a column a migration added shows from
    /// the step that first wrote it.
    crud_column_from: Vec<usize>,
    view_columns: [&'static str; 7],
    has_crud: bool,
    has_es: bool,
    events: Vec<PageEvent>,
    steps: Vec<PageStep>,
    summary: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<DiffPart>,
    /// The step the page opens at when its address names none.
    start: usize,
}

/// A line of narration: its mark (an index into `PageData::marks`) and its text.
#[derive(Serialize)]
struct PageLine(Option<usize>, String);

impl From<Entry> for PageLine {
    fn from(entry: Entry) -> PageLine {
        PageLine(
            entry
                .mark
                .and_then(|mark| Mark::ALL.iter().position(|m| *m == mark)),
            entry.text,
        )
    }
}

/// Narrated lines laid out as the tables lay them out (`text::entries`).
fn lines(lines: &[Line]) -> Vec<PageLine> {
    entries(lines).into_iter().map(PageLine::from).collect()
}

/// An event of the log, embedded once, with the state of its order right after it.
#[derive(Serialize)]
struct PageEvent {
    id: u64,
    /// The id as eslab writes one: `#2002`.
    r#ref: String,
    /// The step that appended it.
    step: usize,
    order: String,
    /// As the log column shows it (`narrate::appended`).
    lines: Vec<String>,
    /// OrderView's row for its order as of this event (`VIEW_COLUMNS` less the order).
    state: Option<Vec<String>>,
}

#[derive(Serialize)]
struct PageStep {
    n: usize,
    /// What is asked before the outcome is shown: the action and the question.
    ask: Vec<PageLine>,
    /// What the reveal adds to it: the note, the expectation's verdict, and ≠ when the
    /// designs differ.
    about: Vec<PageLine>,
    /// Indexes of the flagged marks this step carries.
    flags: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    crud: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    es: Option<Side>,
    /// The CRUD row this step inserted or updated, as SQLite now holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<RowChange>,
    /// A column a migration at this step added to every row (its index in the page's
    /// columns), and the default it filled in.
    #[serde(skip_serializing_if = "Option::is_none")]
    fill: Option<(usize, String)>,
    /// Events in the log after this step.
    log: usize,
    /// Events OrderView has applied after this step; `None` while it is down.
    view: Option<usize>,
    /// The event where the latest snapshot of OrderView was taken, if one was by this step.
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<u64>,
}

#[derive(Serialize)]
struct Side {
    storage: Vec<PageLine>,
    answer: Vec<PageLine>,
    /// What the page shows right under the step once revealed (`payoff`), when it is not
    /// simply `answer` (most steps): embedded once.
    #[serde(skip_serializing_if = "Option::is_none")]
    payoff: Option<Vec<PageLine>>,
    /// The storage lines began with the events appended at this step, as the log shows
    /// them (marked new there), so they are left out here: said once, and embedded once.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    in_log: bool,
}

#[derive(Serialize)]
struct RowChange {
    /// The row's place in the table (rows show in the order they were inserted, as a
    /// `SELECT` without `ORDER BY` returns them).
    i: usize,
    cells: Vec<String>,
    /// The columns an UPDATE overwrote: index and old value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    old: Vec<(usize, String)>,
}

#[derive(Serialize)]
struct DiffPart {
    headline: String,
    differing: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gaps_line: Option<String>,
    gaps: Vec<usize>,
}

fn page(trace: &Trace, diff: Option<DiffPart>) -> String {
    let data = page_data(trace, diff);
    let json = embeddable_json(&data);
    let title = crate::sanitize::clean(&trace.scenario.title);
    let mut html = String::with_capacity(json.len() + CSS.len() + JS.len() + 4096);
    let csp = format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src 'none'; \
         font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; \
         frame-src 'none'; worker-src 'none'; manifest-src 'none'; base-uri 'none'; \
         form-action 'none'",
        csp_hash(JS),
        csp_hash(CSS)
    );
    html.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str(&format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
    ));
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    html.push_str("<meta name=\"generator\" content=\"eslab\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape(&title)));
    html.push_str(&format!("<style>{CSS}</style>\n</head>\n<body>\n"));
    html.push_str(&body(trace, &title, &data));
    html.push_str("<script type=\"application/json\" id=\"eslab-data\">");
    html.push_str(&json);
    html.push_str("</script>\n");
    html.push_str(&format!("<script>{JS}</script>\n</body>\n</html>\n"));
    html
}

/// The page's frame: headings, the scrubber, the panes the script fills, the legend.
fn body(trace: &Trace, title: &str, data: &PageData) -> String {
    let steps = trace.steps.len();
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
        // Red only where the designs part: an identical run is drawn as held.
        let same = diff.differing.is_empty() && diff.gaps.is_empty();
        out.push_str(&format!(
            "<section id=\"diff\" class=\"diff {}\">\n",
            if same { "same" } else { "parted" }
        ));
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
    }
    let words = &PAGE_FRAME;
    out.push_str(&format!(
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
    ));
    out.push_str("</header>\n<main>\n");
    out.push_str(
        "<section id=\"step\" class=\"step\" aria-live=\"polite\">\n\
         <p class=\"step-number\"><span id=\"step-number\"></span> <span id=\"step-flags\" class=\"flags\"></span></p>\n\
         <div id=\"ask-lines\" class=\"about\"></div>\n\
         <div id=\"about\" class=\"about\"></div>\n</section>\n",
    );
    out.push_str(&payoff_section(data));
    out.push_str("<div class=\"panes\">\n");
    if data.has_crud {
        out.push_str(&crud_pane());
    }
    if data.has_es {
        out.push_str(&es_pane());
    }
    out.push_str("</div>\n</main>\n<div id=\"print\" class=\"print\"></div>\n<footer>\n");
    out.push_str(&format!(
        "<section class=\"legend\" aria-labelledby=\"legend-heading\">\n<h2 id=\"legend-heading\">{}</h2>\n<ul>\n",
        words.legend
    ));
    for mark in Mark::ALL {
        out.push_str(&format!(
            "<li class=\"m-{}\"><span class=\"sym\">{}</span> {}</li>\n",
            mark_class(mark),
            escape(mark.symbol()),
            escape(mark.meaning())
        ));
    }
    out.push_str("</ul>\n</section>\n");
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

fn page_data(trace: &Trace, diff: Option<DiffPart>) -> PageData {
    let has = |backend| trace.backends.contains(&backend);
    let mut columns = Columns {
        names: CRUD_COLUMNS.to_vec(),
        from: vec![1; CRUD_COLUMNS.len()],
    };
    let mut timeline = Timeline::default();
    let mut events: Vec<PageEvent> = Vec::new();
    let mut steps = Vec::with_capacity(trace.steps.len());
    for step in &trace.steps {
        let frame = timeline.push(step);
        let ask = narrate::asks(step);
        let mut about = narrate::reveals(step);
        about.extend(narrate::agreement(step.agreement()));
        let crud = side(step, Backend::Crud);
        let es = side(step, Backend::Es);
        let (ask, about) = (lines(&ask), lines(&about));
        let flags = flags(&about, [&crud, &es]);
        let row = frame
            .row
            .as_ref()
            .map(|row| row_change(row, &mut columns, step));
        let fill = frame
            .migrated
            .map(|(column, default)| migrated_column(column, default, &mut columns, step));
        events.extend(frame.events.iter().map(|e| page_event(e, step.step)));
        steps.push(PageStep {
            n: step.step,
            ask,
            about,
            flags,
            crud,
            es,
            row,
            fill,
            log: frame.log_len,
            view: (!frame.view_down).then_some(frame.log_len),
            snapshot: frame.latest_snapshot,
        });
    }
    let start = diff
        .as_ref()
        .and_then(|d| d.differing.first().or(d.gaps.first()).copied())
        .unwrap_or(1);
    PageData {
        labels: narrate::page::page_labels(|line| {
            PageLine::from(Entry {
                mark: line.mark,
                text: line.text,
            })
        }),
        marks: Mark::ALL.to_vec(),
        symbols: Mark::ALL.iter().map(|m| m.symbol()).collect(),
        meanings: Mark::ALL.iter().map(|m| m.meaning()).collect(),
        crud_columns: columns.names,
        crud_column_from: columns.from,
        view_columns: VIEW_COLUMNS,
        has_crud: has(Backend::Crud),
        has_es: has(Backend::Es),
        events,
        steps,
        summary: narrate::summary(&trace.summary, &trace.backends),
        diff,
        start,
    }
}

/// What one design stored and answered at a step, in narrate's words; the events it
/// appended are left to the log, which shows them.
fn side(step: &StepRecord, backend: Backend) -> Option<Side> {
    let outcome = step.result(backend)?;
    let (storage, in_log) = narrate::storage_besides_log(backend, outcome, &step.action);
    let answer = narrate::answer(&step.action, outcome);
    let failures: Vec<Line> = step
        .failures(backend)
        .iter()
        .map(narrate::failure)
        .collect();
    let mut said = payoff(&storage, &answer);
    said.extend(failures.iter().cloned());
    let mut answer = answer;
    answer.extend(failures);
    Some(Side {
        storage: lines(&storage),
        payoff: (said != answer).then(|| lines(&said)),
        answer: lines(&answer),
        in_log,
    })
}

/// A step's payoff for one design: what it stored that is flagged (a rejection, what it
/// cannot answer, the view going down or coming back), then its answer; where it answers
/// nothing (a rebuild, a deploy) what it did.
fn payoff(storage: &[Line], answer: &[Line]) -> Vec<Line> {
    let flagged = |line: &&Line| line.mark.is_some_and(|m| FLAGGED.contains(&m));
    let mut said: Vec<Line> = storage.iter().filter(flagged).cloned().collect();
    // "—", "! —" or "(unchanged)": an answer that says there is none.
    let nothing =
        matches!(answer, [only] if only.text.ends_with('—') || only.text == "(unchanged)");
    if !nothing {
        said.extend(answer.iter().cloned());
    }
    if said.is_empty() {
        said = storage.to_vec();
    }
    said
}

/// Indexes of the flagged marks a step's lines carry, in `Mark::ALL` order.
fn flags(about: &[PageLine], sides: [&Option<Side>; 2]) -> Vec<usize> {
    let mut flags: Vec<usize> = Vec::new();
    let all_lines = about.iter().chain(
        sides
            .into_iter()
            .flatten()
            .flat_map(|s| s.storage.iter().chain(&s.answer)),
    );
    for line in all_lines {
        if let Some(i) = line.0
            && FLAGGED.contains(&Mark::ALL[i])
            && !flags.contains(&i)
        {
            flags.push(i);
        }
    }
    flags.sort_unstable();
    flags
}

/// An appended event as the page embeds it, with OrderView's row for its order after it.
fn page_event(appended: &EventFrame, step: usize) -> PageEvent {
    let stored = appended.event;
    let lead = format!("{} ", Mark::Appended.symbol());
    PageEvent {
        id: stored.event_id,
        r#ref: narrate::event_id(stored.event_id),
        step,
        order: crate::sanitize::clean(stored.stream_id.as_str()),
        // The `+` is the page's to show, on the events of the step shown only.
        lines: entries(&narrate::appended(stored))
            .into_iter()
            .enumerate()
            .map(|(i, entry)| match entry.text.strip_prefix(&lead) {
                Some(head) if i == 0 => head.to_string(),
                _ => entry.text,
            })
            .collect(),
        state: appended.state.as_ref().map(state_row),
    }
}

/// The CRUD table's columns as the page shows them, and the step each shows from.
struct Columns {
    names: Vec<&'static str>,
    from: Vec<usize>,
}

/// The row a step wrote, in the page's columns, as SQLite holds it (money in whole cents);
/// a column first written here (one a migration added, or `version` under `--crud-locking`)
/// joins the page's columns from this step on. Who and when (`updated_by`, `updated_at`)
/// join only where the scenario teaches them (`who_and_when`): elsewhere they would push what
/// the step is about (a migrated column, the status) out of a projected pane.
fn row_change(row: &RowFrame, columns: &mut Columns, step: &StepRecord) -> RowChange {
    for (name, value) in &row.after {
        let who_or_when = matches!(*name, "updated_by" | "updated_at");
        if value.is_some() && !columns.names.contains(name) && (step.who_and_when || !who_or_when) {
            columns.names.push(name);
            columns.from.push(step.step);
        }
    }
    let text = |value: &ColumnValue| crate::sanitize::clean(&value.to_string());
    RowChange {
        i: row.i,
        cells: columns
            .names
            .iter()
            .map(|c| row.get(c).map_or(String::new(), text))
            .collect(),
        old: row
            .changed
            .iter()
            .filter_map(|change| {
                let c = columns.names.iter().position(|c| *c == change.column)?;
                Some((c, text(&change.old)))
            })
            .collect(),
    }
}

/// A column a migration at `step` added to every row: it joins the page's columns from this
/// step on, each row holding `default` until a write says otherwise.
fn migrated_column(
    column: &'static str,
    default: &str,
    columns: &mut Columns,
    step: &StepRecord,
) -> (usize, String) {
    let at = match columns.names.iter().position(|c| *c == column) {
        Some(at) => at,
        None => {
            columns.names.push(column);
            columns.from.push(step.step);
            columns.names.len() - 1
        }
    };
    (at, crate::sanitize::clean(default))
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` are written as `\u003c`,
/// `\u003e` and `\u0026` (the same string to a JSON parser), so nothing in it can close the
/// element or open a comment; U+2028 and U+2029 likewise, for old parsers.
fn embeddable_json(data: &impl Serialize) -> String {
    let json = serde_json::to_string(data).expect("the page data holds only strings and numbers");
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML, in an element or an attribute.
fn escape(text: &str) -> String {
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

/// A CSP source for an inline element's exact text: `sha256-<base64>`.
fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let hostile = vec![
            "</script><script>alert(1)</script>",
            "<!--",
            "a & b",
            "\u{2028}",
        ];
        let json = embeddable_json(&hostile);
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hostile);
    }

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            escape(r#"<img src=x onerror="a('b')"> & co"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt; &amp; co"
        );
    }
}
