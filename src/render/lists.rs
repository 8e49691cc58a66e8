//! `eslab scenarios` and `eslab reports`: what there is to run and ask.

use serde::Serialize;

use super::{Doc, Style};
use crate::domain::ReportName;
use crate::narrate as text;
use crate::trace::SCHEMA_VERSION;

#[derive(Serialize)]
pub(crate) struct ScenarioListing {
    pub name: String,
    pub title: String,
    pub steps: usize,
}

/// `eslab scenarios --format json`.
#[derive(Serialize)]
struct ScenariosDocument<'a> {
    schema_version: u32,
    scenarios: &'a [ScenarioListing],
}

pub(crate) fn scenarios(listing: &[ScenarioListing], style: Style) -> String {
    let mut doc = Doc::default();
    let rows = listing
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                crate::sanitize::clean(&s.title),
                s.steps.to_string(),
            ]
        })
        .collect();
    doc.table(&["Name", "Title", "Steps"], rows);
    doc.text(
        "Run one with `eslab run NAME`; print its JSON to copy and edit with `eslab show NAME`.",
    );
    style.print(
        &doc,
        &ScenariosDocument {
            schema_version: SCHEMA_VERSION,
            scenarios: listing,
        },
    )
}

#[derive(Serialize)]
struct ReportListing {
    name: ReportName,
    question: &'static str,
    columns: Vec<String>,
    crud_can_answer: bool,
}

/// `eslab reports --format json`.
#[derive(Serialize)]
struct ReportsDocument<'a> {
    schema_version: u32,
    reports: &'a [ReportListing],
}

/// `eslab reports`: the read models a `report` step can build.
pub(crate) fn reports(style: Style) -> String {
    let listing: Vec<ReportListing> = ReportName::ALL
        .iter()
        .map(|&name| ReportListing {
            name,
            question: text::report_question(name),
            columns: name.columns(),
            crud_can_answer: name.crud_can_answer(),
        })
        .collect();
    let mut doc = Doc::default();
    doc.table(
        &["Name", "Question", "CRUD can answer"],
        listing
            .iter()
            .map(|r| {
                vec![
                    r.name.to_string(),
                    r.question.to_string(),
                    match text::crud_cannot_answer(r.name) {
                        None => "yes, from its rows".to_string(),
                        Some(missing) => format!("no: {missing}"),
                    },
                ]
            })
            .collect(),
    );
    doc.text("Use one in a scenario step: {\"report\": {\"name\": \"quantity-changes\"}}");
    doc.text(concat!(
        "Or write your own: name it and define it as data, the event types it listens to, the ",
        "field it groups by, and what it keeps per key (count, {\"sum\": field}, ",
        "{\"latest\": field}, first_event_id, last_event_id):\n",
        "{\"report\": {\"name\": \"changes-per-product\", \"define\": {\"events\": [\"ModifyOrderEvent\"], ",
        "\"group_by\": \"product\", \"keep\": [{\"changes\": \"count\"}]}}}\n",
        "See it run on both designs with `eslab run own-read-model`; copy it with `eslab show own-read-model`."
    ));
    style.print(
        &doc,
        &ReportsDocument {
            schema_version: SCHEMA_VERSION,
            reports: &listing,
        },
    )
}
