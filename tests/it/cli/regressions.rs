//! Bugs once found in src/ and since fixed: each test keeps its bug from coming back.

use super::*;

// ---------------------------------------------------------------------------------------
// Bugs once found in src/ and since fixed: each test keeps its bug from coming back.

/// Reading a stored log (`log`, `verify`, `replay`) leaves the folder byte for byte as it
/// was; `log` and `replay` once left events.sqlite3-wal and -shm behind.
#[test]
fn reading_the_log_leaves_the_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    ok(["run", "bob", "--db-dir", d]);
    let before = folder_snapshot(dir.path());
    ok(["log", "--db-dir", d]);
    ok(["verify", "--db-dir", d]);
    ok(["replay", "--db-dir", d]);
    let after = folder_snapshot(dir.path());
    let names = |m: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>| {
        m.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(names(&after), names(&before));
    assert_eq!(after, before);
}

/// `--db-dir` naming a regular file is refused as such, and the file is left alone; it was
/// once said to hold a database (`crud.sqlite3 already exists`).
#[test]
fn a_db_dir_that_is_a_file_is_not_said_to_hold_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain.txt");
    std::fs::write(&file, "hello").unwrap();
    let stderr = input_error(["run", "bob", "--db-dir", file.to_str().unwrap()]);
    assert!(!stderr.contains("already exists"), "{stderr}");
    assert_eq!(std::fs::read(&file).unwrap(), b"hello");
}

/// Every line of the table fits `--width`, headings included, whatever the title.
#[test]
fn width_bounds_every_line_whatever_the_title() {
    let dir = tempfile::tempdir().unwrap();
    for title in ["T".repeat(60), "山田".repeat(30)] {
        let path = write_scenario(
            dir.path(),
            "title.json",
            &json!({"title": title, "steps": [{"query": {"order_id": "A1"}}]}),
        );
        for width in ["40", "80"] {
            let out = ok(["run", path.to_str().unwrap(), "--width", width]);
            let limit: usize = width.parse().unwrap();
            assert!(max_line_width(&out) <= limit, "--width {width}:\n{out}");
        }
    }
}

/// A wrapped heading is underlined as wide as its widest line looks on screen.
#[test]
fn a_wrapped_heading_is_underlined_to_its_display_width() {
    let dir = tempfile::tempdir().unwrap();
    // 60 double-width characters: 120 columns.
    let path = write_scenario(
        dir.path(),
        "title.json",
        &json!({"title": "山田".repeat(30), "steps": [{"query": {"order_id": "A1"}}]}),
    );
    for (width, lines) in [("40", 3), ("80", 2), ("120", 1)] {
        let out = ok(["run", path.to_str().unwrap(), "--width", width]);
        let heading: Vec<&str> = out.lines().take_while(|l| !l.starts_with('=')).collect();
        assert_eq!(heading.len(), lines, "--width {width}:\n{out}");
        assert_eq!(heading.concat(), "山田".repeat(30));
        let underline = out.lines().nth(lines).unwrap();
        let widest = heading.iter().map(|l| display_width(l)).max().unwrap();
        assert_eq!(underline, "=".repeat(widest), "--width {width}:\n{out}");
    }
}
