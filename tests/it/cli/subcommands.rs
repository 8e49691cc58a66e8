//! `eslab scenarios`, `show` and `check`.

use super::*;

// ---------------------------------------------------------------------------------------
// scenarios, show, check

#[test]
fn scenarios_lists_every_bundled_name() {
    let table = ok(["scenarios"]);
    for (name, text) in eslab::BUNDLED {
        let scenario = eslab::Scenario::from_json(name, text).unwrap();
        let row = table
            .lines()
            .find(|line| line.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("{name} is not listed:\n{table}"));
        assert!(row.contains(&scenario.title), "{row}");
    }
    let markdown = ok(["scenarios", "--format", "markdown"]);
    for name in bundled_names() {
        assert!(markdown.contains(&format!("| {name} ")), "{markdown}");
    }
}

#[test]
fn show_prints_the_bundled_file() {
    for name in bundled_names() {
        let shown: Value = serde_json::from_str(&ok(["show", name])).unwrap();
        let path = manifest_dir()
            .join("scenarios")
            .join(format!("{name}.json"));
        let file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            shown,
            file,
            "eslab show {name} differs from {}",
            path.display()
        );
    }
    let stderr = input_error(["show", "nonesuch"]);
    assert_contains_all(&stderr, &["nonesuch", "bob"]);
    assert!(!stderr.contains("did you mean"), "{stderr}");
}

#[test]
fn show_says_what_a_name_that_is_not_bundled_most_likely_meant() {
    // A file that exists: run it or read it, never `./scenarios/bob.json.json`.
    let stderr = input_error(["show", "scenarios/bob.json"]);
    assert_contains_all(
        &stderr,
        &[
            "`scenarios/bob.json` is a file, not a bundled scenario",
            "`eslab run scenarios/bob.json`",
            "`cat scenarios/bob.json`",
            "`eslab show bob`",
        ],
    );
    assert!(!stderr.contains(".json.json"), "{stderr}");

    // A path that does not exist says so.
    let stderr = input_error(["show", "nowhere/story.json"]);
    assert_contains_all(&stderr, &["no such file", "bundled: bob"]);
    assert!(!stderr.contains("eslab run"), "{stderr}");

    // A name close to a bundled one suggests it, for `show` and `run` alike.
    for command in ["show", "run"] {
        let stderr = input_error([command, "lost-updte"]);
        assert_contains_all(&stderr, &["did you mean `lost-update`?"]);
        let stderr = input_error([command, "Bob"]);
        assert_contains_all(&stderr, &["did you mean `bob`?"]);
    }

    // A bare name with a file of that name beside it points at the file.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mine.json"), "{}").unwrap();
    let out = eslab()
        .current_dir(dir.path())
        .args(["show", "mine"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_contains_all(&stderr, &["give its path: ./mine.json"]);
}

#[test]
fn check_accepts_every_bundled_file() {
    let mut files: Vec<String> = std::fs::read_dir(manifest_dir().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| format!("scenarios/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    files.sort();
    assert!(files.len() >= bundled_names().len());
    let mut args = vec!["check".to_string()];
    args.extend(files.iter().cloned());
    let out = ok(&args);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), files.len(), "{out}");
    for (line, file) in lines.iter().zip(&files) {
        let text = std::fs::read_to_string(manifest_dir().join(file)).unwrap();
        let steps = eslab::Scenario::from_json(file, &text).unwrap().steps.len();
        assert_eq!(*line, format!("ok: {file} ({steps} steps)"));
    }
    assert_eq!(ok(["check", "bob"]), "ok: bob (4 steps)\n");
}
