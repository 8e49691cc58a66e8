//! The bundled scenarios, and what a name that is none of them most likely meant.

use std::path::Path;

/// The bundled scenarios, embedded in the binary: (name, JSON text).
pub const BUNDLED: &[(&str, &str)] = &[
    ("bob", include_str!("../../scenarios/bob.json")),
    (
        "wrong-payment",
        include_str!("../../scenarios/wrong-payment.json"),
    ),
    (
        "cancellation",
        include_str!("../../scenarios/cancellation.json"),
    ),
    (
        "many-customers",
        include_str!("../../scenarios/many-customers.json"),
    ),
    ("history", include_str!("../../scenarios/history.json")),
    (
        "time-travel",
        include_str!("../../scenarios/time-travel.json"),
    ),
    (
        "crash-and-rebuild",
        include_str!("../../scenarios/crash-and-rebuild.json"),
    ),
    (
        "lost-update",
        include_str!("../../scenarios/lost-update.json"),
    ),
    (
        "new-question",
        include_str!("../../scenarios/new-question.json"),
    ),
    ("exercise", include_str!("../../scenarios/exercise.json")),
    (
        "schema-evolution",
        include_str!("../../scenarios/schema-evolution.json"),
    ),
    ("snapshots", include_str!("../../scenarios/snapshots.json")),
    (
        "own-read-model",
        include_str!("../../scenarios/own-read-model.json"),
    ),
    ("audit", include_str!("../../scenarios/audit.json")),
];

pub(super) fn is_bundled_name(name_or_path: &str) -> bool {
    !name_or_path.is_empty() && !name_or_path.contains(['/', '\\', '.'])
}

/// The JSON text of a bundled scenario. The error says what the name most likely meant: a
/// file to run, or a bundled name it is close to.
pub fn bundled(name: &str) -> anyhow::Result<&'static str> {
    BUNDLED
        .iter()
        .find(|(bundled, _)| *bundled == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| anyhow::anyhow!("{}", not_bundled(name)))
}

/// Why `name` names no bundled scenario, and what to type instead.
fn not_bundled(name: &str) -> String {
    let names: Vec<&str> = BUNDLED.iter().map(|(name, _)| *name).collect();
    let listed = format!("bundled: {}", names.join(", "));
    if !is_bundled_name(name) {
        let path = Path::new(name);
        // `scenarios/bob.json` is most likely the file of a bundled scenario.
        let stem = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .filter(|stem| names.contains(stem));
        let show_stem = stem
            .map(|stem| format!("; `eslab show {stem}` prints the bundled `{stem}`"))
            .unwrap_or_default();
        return if path.is_file() {
            format!(
                "`{name}` is a file, not a bundled scenario: run it with `eslab run {name}`, or print it with `cat {name}`{show_stem}"
            )
        } else {
            format!("no bundled scenario named `{name}`, and no such file ({listed}){show_stem}")
        };
    }
    let lowercase = name.to_lowercase();
    let mut close: Vec<(f64, &str)> = names
        .iter()
        .map(|bundled| (strsim::jaro_winkler(&lowercase, bundled), *bundled))
        .filter(|(similarity, _)| *similarity > 0.8)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut message = format!("no bundled scenario named `{name}`");
    if let Some((_, closest)) = close.first() {
        message.push_str(&format!(": did you mean `{closest}`?"));
    }
    message.push_str(&format!(" ({listed})"));
    let file = [format!("./{name}.json"), format!("./{name}")]
        .into_iter()
        .find(|file| Path::new(file).is_file());
    match file {
        Some(file) => message.push_str(&format!("; to use the file, give its path: {file}")),
        None => message.push_str("; to run a file, give its path (with a `/` or a `.` in it)"),
    }
    message
}
