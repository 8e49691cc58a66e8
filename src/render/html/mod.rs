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

mod data;
mod inline;
mod markup;

use crate::trace::Trace;
use data::{DiffPart, diff_part, page_data};
use inline::{CSS, JS, content_security_policy, embeddable_json};
use markup::{body, escape};

/// `eslab run --format html`.
pub(super) fn run_page(trace: &Trace) -> String {
    page(trace, None)
}

/// `eslab diff --format html`: the same page, opening at the first divergence (or gap), with
/// the diff's headline and a link to every step where the designs part or only one answers.
pub(super) fn diff_page(trace: &Trace) -> String {
    page(trace, Some(diff_part(trace)))
}

/// The whole page: its head (the policy, the title, the style), the frame, the data and the
/// script.
fn page(trace: &Trace, diff: Option<DiffPart>) -> String {
    let data = page_data(trace, diff);
    let json = embeddable_json(&data);
    let title = crate::sanitize::clean(&trace.scenario.title);
    let mut html = String::with_capacity(json.len() + CSS.len() + JS.len() + 4096);
    let csp = content_security_policy();
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
