//! Text at the widths a room projects, and the width options.

use super::*;

// ---------------------------------------------------------------------------------------
// Width

#[test]
fn off_a_terminal_output_is_120_columns_wide() {
    for name in bundled_names() {
        let default = ok(["run", name]);
        assert_eq!(
            default,
            ok(["run", name, "--width", "120"]),
            "{name}: without --width, output off a terminal is --width 120"
        );
        assert!(max_line_width(&default) <= 120, "{name}:\n{default}");
    }
}

#[test]
fn width_80_narrows_every_line_to_80_columns() {
    for name in bundled_names() {
        let wide = ok(["run", name]);
        let narrow = ok(["run", name, "--width", "80"]);
        assert!(
            max_line_width(&wide) > 80,
            "{name}: the default table is wider than 80 columns, so --width 80 must change it"
        );
        assert_ne!(wide, narrow, "{name}");
        for (number, line) in narrow.lines().enumerate() {
            assert!(
                display_width(line) <= 80,
                "{name}: line {} is {} columns wide: {line:?}",
                number + 1,
                display_width(line)
            );
        }
        assert_eq!(
            ok(["run", name, "--format", "markdown"]),
            ok(["run", name, "--format", "markdown", "--width", "80"]),
            "{name}: --width only concerns the table format"
        );
    }
}

#[test]
fn width_below_40_is_refused() {
    let out = run(["run", "--width", "39"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("--width"), "{}", out.stderr);
    let narrowest = ok(["run", "--width", "40"]);
    assert!(max_line_width(&narrowest) <= 40, "{narrowest}");
}
