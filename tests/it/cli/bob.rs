//! Bob's story, read from `--format json`: each step as the brief tells it.

use super::*;

// ---------------------------------------------------------------------------------------
// Bob's story, from the JSON

#[test]
fn bobs_story_from_the_json() {
    let run = json(["run", "bob", "--format", "json"]);
    assert_eq!(run["schema_version"], eslab::SCHEMA_VERSION);
    assert_eq!(run["scenario"]["name"], "bob");
    assert_eq!(run["backends"], json!(["crud", "es"]));

    // Event sourcing appends one event per command, numbered from the scenario's 2001.
    let es = results_of(&run, "es");
    let events: Vec<(u64, &str, u64)> = es
        .iter()
        .filter_map(|r| r["storage"]["append"]["events"].as_array())
        .flatten()
        .map(|e| {
            (
                e["event_id"].as_u64().unwrap(),
                e["event_type"].as_str().unwrap(),
                e["stream_version"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            (2001, "NewOrderEvent", 1),
            (2002, "ModifyOrderEvent", 2),
            (2003, "OrderPaymentEvent", 3),
        ]
    );
    let payloads: Vec<&Value> = es
        .iter()
        .filter_map(|r| r["storage"]["append"]["events"].as_array())
        .flatten()
        .map(|e| &e["payload"])
        .collect();
    assert_eq!(
        payloads,
        [
            &json!({"customer": "Bob", "product": "Book", "quantity": 5, "unit_price": "10.00"}),
            &json!({"quantity": 6}),
            &json!({"amount": "60.00"}),
        ]
    );

    // The final query: both answer the same order; only ES has a version.
    let last = run["steps"].as_array().unwrap().last().unwrap();
    assert_eq!(last["action"], json!({"query": {"order_id": "A1"}}));
    for result in last["results"].as_array().unwrap() {
        assert_eq!(result["outcome"], "answered", "{result}");
        let state = &result["state"];
        assert_eq!(state["order_id"], "A1");
        assert_eq!(state["customer"], "Bob");
        assert_eq!(state["quantity"], 6);
        assert_eq!(state["unit_price"], "10.00");
        assert_eq!(state["total"], "60.00");
        assert_eq!(state["paid"], "60.00");
        assert_eq!(state["status"], "Paid");
        let version = if result["backend"] == "es" {
            json!(3)
        } else {
            Value::Null
        };
        assert_eq!(state["version"], version, "{result}");
        // Where each read it: CRUD its row, ES its view, which has applied the log to #2003.
        if result["backend"] == "es" {
            assert_eq!(
                (&result["from"], &result["checkpoint"]),
                (&json!("view"), &json!(2003)),
                "{result}"
            );
        } else {
            assert_eq!(result["from"], "row", "{result}");
            assert!(result.get("checkpoint").is_none(), "{result}");
        }
    }

    // CRUD: one INSERT, then UPDATEs that list what they overwrote.
    let crud = results_of(&run, "crud");
    assert_eq!(crud[0]["outcome"], "applied");
    let row = &crud[0]["storage"]["insert"]["row"];
    assert_eq!(crud[0]["storage"]["insert"]["table"], "orders");
    assert_eq!(
        (&row["quantity"], &row["total"]),
        (&json!(5), &json!("50.00"))
    );
    assert_eq!(
        crud[1]["storage"]["update"],
        json!({
            "table": "orders",
            "order_id": "A1",
            "changes": [
                {"column": "quantity", "old": 5, "new": 6},
                {"column": "total_cents", "old": 5000, "new": 6000},
                // Who last wrote the row stays the clerk; when is overwritten.
                {"column": "updated_at", "old": "2026-03-01T09:00:00Z", "new": "2026-03-01T09:01:00Z"},
            ]
        })
    );
    assert_eq!(
        crud[2]["storage"]["update"]["changes"],
        json!([
            {"column": "paid_cents", "old": 0, "new": 6000},
            {"column": "status", "old": "Placed", "new": "Paid"},
            {"column": "updated_at", "old": "2026-03-01T09:01:00Z", "new": "2026-03-01T09:02:00Z"},
        ])
    );
    assert_eq!(crud[3]["outcome"], "answered");

    let summary = &run["summary"];
    assert_eq!(summary["queries"], 1);
    assert_eq!(summary["queries_identical"], true);
    assert_eq!(summary["differing_steps"], json!([]));
    assert_eq!(
        summary["storage"],
        json!([
            {"backend": "crud", "unit": "rows", "count": 1},
            {"backend": "es", "unit": "events", "count": 3},
        ])
    );

    // The histories: CRUD's row and ES's order after each of the three commands.
    let histories = run["histories"].as_array().unwrap();
    assert_eq!(histories.len(), 2);
    for history in histories {
        let states = &history["orders"][0]["states"];
        let steps = field_u64s(states, "step");
        assert_eq!(steps, [1, 2, 3], "{history}");
        assert_eq!(states[0]["state"]["quantity"], 5);
        assert_eq!(states[1]["state"]["quantity"], 6);
        assert_eq!(states[2]["state"]["status"], "Paid");
    }
}

#[test]
fn bobs_table_tells_the_same_story() {
    // Wide enough that no cell wraps.
    let table = ok(["run", "--width", "1000"]);
    assert_contains_all(
        &table,
        &[
            "Bob's order",
            "INSERT INTO orders",
            "UPDATE orders A1",
            "quantity: 5 → 6",
            "total_cents: 5000 → 6000",
            "+ #2001 NewOrderEvent",
            "OrderPaymentEvent",
            "A1 Paid · v3",
            "Storage: CRUD keeps 1 row; ES keeps 3 events.",
            "Queries: the two designs gave the same answer to the one query they could both answer.",
        ],
    );
}
