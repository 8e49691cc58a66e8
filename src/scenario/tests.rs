//! The scenario contract, read from text.

use super::bundled::is_bundled_name;
use super::text::{decimal, inexact};
use super::*;

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::from_json("test.json", text).map_err(|e| e.to_string())
}

#[test]
fn every_bundled_scenario_parses() {
    for (name, text) in BUNDLED {
        Scenario::from_json(name, text).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn a_step_has_one_action_and_an_optional_question_and_note() {
    let scenario = parse(
        r#"{"title": "t", "steps": [
            {"place_order": {"order_id": "A1", "customer": "Bob", "product": "Book", "quantity": 5, "unit_price": 10}, "note": "hi"},
            {"query": {"order_id": "A1"}, "question": "what is kept?"}
        ]}"#,
    )
    .unwrap();
    assert_eq!(scenario.first_event_id, 1);
    assert_eq!(scenario.steps[0].action.name(), "place_order");
    assert_eq!(scenario.steps[0].note.as_deref(), Some("hi"));
    assert_eq!(scenario.steps[0].question, None);
    assert_eq!(scenario.steps[1].action.name(), "query");
    assert_eq!(scenario.steps[1].question.as_deref(), Some("what is kept?"));
    assert_eq!(scenario.steps[1].note, None);
    let twice = parse(
        r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}, "question": "a", "question": "b"}]}"#,
    )
    .unwrap_err();
    assert!(
        format!("{twice:#}").contains("duplicate field `question`"),
        "{twice:#}"
    );
}

#[test]
fn errors_name_the_place_and_the_step() {
    let text = "{\"title\": \"t\", \"steps\": [\n  {\"query\": {\"order_id\": \"A1\"}},\n  {\"pay\": {\"order_id\": \"A1\", \"amount\": 10.123}}\n]}";
    assert_eq!(
        parse(text).unwrap_err(),
        "test.json:3:45: step 2: pay.amount: `10.123` has more than two decimals: amounts are dollars and cents"
    );
}

#[test]
fn unknown_steps_fields_and_double_actions_are_errors() {
    let cases = [
        (
            r#"{"title": "t", "steps": [{"ship": {}}]}"#,
            "step 1: unknown step `ship`",
        ),
        (
            r#"{"title": "t", "steps": [{"query": {"order_id": "A1", "as_off": 3}}]}"#,
            "step 1: query.as_off: unknown field `as_off`",
        ),
        (
            r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}, "cancel": {"order_id": "A1", "reason": "x"}}]}"#,
            "step 1: a step has exactly one action, this one has `query` and `cancel`",
        ),
        (
            r#"{"title": "t", "steps": [{"note": "x"}]}"#,
            "step 1: this step has no action",
        ),
        (
            r#"{"title": "t", "steps": [], "author": "me"}"#,
            "author: unknown field `author`",
        ),
        (r#"{"steps": []}"#, "missing field `title`"),
        (r#"{"title": "t", "steps": []}"#, "at least one step"),
        (
            r#"{"title": "t", "first_event_id": 0, "steps": []}"#,
            "first_event_id must be from 1",
        ),
        (
            r#"{"title": "t", "steps": [{"query": {"order_id": ""}}]}"#,
            "must not be empty",
        ),
        (
            r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}}]} x"#,
            "trailing characters",
        ),
    ];
    for (text, expected) in cases {
        let message = parse(text).unwrap_err();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn not_for_names_known_flags_each_with_a_reason() {
    let scenario = parse(
        r#"{"title": "t", "not_for": {"crud-locking": "it shows CRUD without a version"},
            "steps": [{"query": {"order_id": "A1"}}]}"#,
    )
    .unwrap();
    assert_eq!(
        scenario
            .not_for
            .get(&DesignFlag::CrudLocking)
            .map(String::as_str),
        Some("it shows CRUD without a version")
    );
    assert!(
        parse(r#"{"title": "t", "steps": [{"query": {"order_id": "A1"}}]}"#)
            .unwrap()
            .not_for
            .is_empty()
    );
    let cases = [
        (
            r#"{"title": "t", "not_for": {"locking": "x"}, "steps": [{"query": {"order_id": "A1"}}]}"#,
            "not_for: unknown variant `locking`, expected one of `crud-locking`, `backend-crud`, `backend-es`",
        ),
        (
            r#"{"title": "t", "not_for": ["crud-locking"], "steps": [{"query": {"order_id": "A1"}}]}"#,
            "not_for: invalid type: sequence",
        ),
        (
            r#"{"title": "t", "not_for": {"backend-es": " "}, "steps": [{"query": {"order_id": "A1"}}]}"#,
            "not_for: say why the scenario is not meant for --backend es",
        ),
    ];
    for (text, expected) in cases {
        let message = parse(text).unwrap_err();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn an_event_id_is_expected_of_a_command_that_appends() {
    let step = |step: &str| parse(&format!(r#"{{"title": "t", "steps": [{step}]}}"#));
    let ok = step(
        r#"{"pay": {"order_id": "A1", "amount": 60}, "expect": {"ok": true, "event_id": 2003}}"#,
    )
    .unwrap();
    assert_eq!(ok.steps[0].expect.as_ref().unwrap().event_id, Some(2003));
    for (bad, expected) in [
        (
            r#"{"query": {"order_id": "A1"}, "expect": {"event_id": 1}}"#,
            "`event_id` is for command steps",
        ),
        (
            r#"{"pay": {"order_id": "A1", "amount": 60}, "expect": {"rejected": "x", "event_id": 1}}"#,
            "a rejected command appends no event",
        ),
        (
            r#"{"pay": {"order_id": "A1", "amount": 60}, "expect": {"ok": false, "event_id": 1}}"#,
            "a rejected command appends no event",
        ),
    ] {
        let message = step(bad).unwrap_err();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let inside = format!(r#"{{"title": "t", "steps": [{{"query": {{"order_id": {nested}}}}}]}}"#);
    for text in [nested.as_str(), inside.as_str()] {
        assert!(parse(text).unwrap_err().contains("invalid type: sequence"));
    }
}

#[test]
fn a_number_is_exact_when_it_reads_back_as_written() {
    for exact in [
        "5", "-3", "10.5", "10.50", "1.05e1", "0.1", "1e300", "0.000", "60",
    ] {
        assert!(!inexact(exact), "{exact}");
    }
    for lossy in [
        "10.499999999999999",
        "5.0000000000000001",
        "10.494999999999999",
    ] {
        assert!(inexact(lossy), "{lossy}");
    }
    assert_eq!(decimal("10.50"), decimal("1.05e1"));
    assert_eq!(decimal("0.0"), decimal("0"));
    assert_ne!(decimal("-1"), decimal("1"));
}

#[test]
fn bare_words_are_bundled_names_and_anything_else_is_a_path() {
    assert!(is_bundled_name("bob"));
    assert!(is_bundled_name("lost-update"));
    assert!(!is_bundled_name("./bob"));
    assert!(!is_bundled_name("bob.json"));
    assert!(!is_bundled_name(""));
    assert!(
        load("nonesuch")
            .unwrap_err()
            .to_string()
            .contains("bundled: bob")
    );
}

#[test]
fn a_small_file_is_read_once_and_its_steps_held() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bob.json");
    std::fs::write(&path, bundled("bob").unwrap()).unwrap();
    let (scenario, steps) = open(path.to_str().unwrap()).unwrap();
    assert!(
        scenario.steps.is_empty(),
        "the steps are handed out, not kept twice"
    );
    // Gone after the one read: every later pass reads what was held.
    std::fs::remove_file(&path).unwrap();
    let whole = Scenario::from_json("bob", bundled("bob").unwrap()).unwrap();
    assert_eq!(steps.count(), whole.steps.len());
    assert_eq!(
        steps.fingerprint(&scenario.title).unwrap(),
        whole.fingerprint()
    );
    let mut passed = Vec::new();
    steps
        .for_each(|step| {
            passed.push(step);
            Ok(())
        })
        .unwrap();
    assert_eq!(passed, whole.steps);
}
