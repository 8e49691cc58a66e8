//! Shell completions and the man page.

use super::*;

// ---------------------------------------------------------------------------------------
// Shell completions and the man page

/// Every subcommand, as a user types it.
const SUBCOMMANDS: [&str; 13] = [
    "run",
    "diff",
    "scenarios",
    "reports",
    "show",
    "check",
    "log",
    "verify",
    "bench",
    "generate",
    "replay",
    "completions",
    "man",
];

#[test]
fn completions_offer_every_subcommand() {
    let bash = ok(["completions", "bash"]);
    assert!(bash.contains("complete -F _eslab"), "{bash}");
    for command in SUBCOMMANDS {
        assert!(
            bash.contains(&format!("eslab,{command})")),
            "bash completes no `{command}`"
        );
    }
    // Options and their values complete too.
    assert_contains_all(&bash, &["--db-dir", "--continue", "table json markdown"]);
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = ok(["completions", shell]);
        for command in SUBCOMMANDS {
            assert!(script.contains(command), "{shell} completes no `{command}`");
        }
    }
    let out = run(["completions", "tcsh"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("possible values: bash"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_man_page_is_roff_and_names_every_subcommand() {
    let page = ok(["man"]);
    // clap_mangen defines a quote string first (`.ie` / `.el`), then the title.
    let first_macro = page
        .lines()
        .find(|line| !line.starts_with(".ie ") && !line.starts_with(".el "))
        .unwrap();
    assert!(first_macro.starts_with(".TH eslab 1"), "{page}");
    assert_contains_all(&page, &[".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"]);
    for command in SUBCOMMANDS {
        assert!(
            page.contains(&format!("eslab\\-{command}(1)")),
            "the man page names no `{command}`"
        );
    }

    // --dir writes the pages eslab.1 refers to, one per subcommand.
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    ok(["man", "--dir", path_str(&pages)]);
    assert_eq!(
        std::fs::read_to_string(pages.join("eslab.1")).unwrap(),
        page
    );
    for command in SUBCOMMANDS {
        let sub = std::fs::read_to_string(pages.join(format!("eslab-{command}.1"))).unwrap();
        assert!(
            sub.contains(&format!(".TH eslab-{command} 1")),
            "eslab-{command}.1: {sub}"
        );
    }
    let run_page = std::fs::read_to_string(pages.join("eslab-run.1")).unwrap();
    assert_contains_all(&run_page, &["\\-\\-db\\-dir", "\\-\\-continue"]);
}
