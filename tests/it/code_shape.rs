//! Issue 17's rules for the source tree, checked so they stay true: no file over 500 lines of
//! code, no function over 80 lines, and no two files (or more) that import each other, other
//! than a module and its own children. Read as text: comments, blank lines and a file's
//! `#[cfg(test)]` part do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its module path (`render::stacked::step`) and its code
/// before its tests.
fn sources() -> Vec<(String, PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let relative = path.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            if parts == ["lib"] || parts == ["main"] {
                return None;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("\n#[cfg(test)]").next().unwrap().to_string();
            Some((parts.join("::"), path, code))
        })
        .collect()
}

/// The lines that are code: not blank, not a comment.
fn code_lines(code: &str) -> impl Iterator<Item = &str> {
    code.lines().filter(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with("//")
    })
}

/// A line with its string and character literals and its trailing comment taken out, so that
/// the braces left are the code's.
fn braces_of(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' => {
                // A char literal ('{', '\n') or a lifetime ('a): skip only a literal.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            '/' if chars.peek() == Some(&'/') => break,
            '{' | '}' => out.push(c),
            _ => {}
        }
    }
    out
}

#[test]
fn no_source_file_holds_more_than_500_lines_of_code() {
    let over: Vec<String> = sources()
        .iter()
        .map(|(_, path, code)| (path, code_lines(code).count()))
        .filter(|(_, lines)| *lines > 500)
        .map(|(path, lines)| format!("{} has {lines} lines of code", path.display()))
        .collect();
    assert!(over.is_empty(), "{over:#?}");
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let mut over = Vec::new();
    for (_, path, code) in sources() {
        let lines: Vec<&str> = code.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let head = line.trim_start();
            let head = head
                .strip_prefix("pub(crate) ")
                .or_else(|| head.strip_prefix("pub(super) "))
                .or_else(|| head.strip_prefix("pub "))
                .unwrap_or(head);
            let head = head.strip_prefix("const ").unwrap_or(head);
            if !head.starts_with("fn ") {
                continue;
            }
            let (mut depth, mut opened) = (0i32, false);
            for (end, line) in lines.iter().enumerate().skip(start) {
                let braces = braces_of(line);
                if !opened && braces.is_empty() && line.trim_end().ends_with(';') {
                    break; // a declaration in a trait, without a body
                }
                for b in braces.chars() {
                    depth += if b == '{' { 1 } else { -1 };
                    opened = true;
                }
                if opened && depth <= 0 {
                    let length = end - start + 1;
                    if length > 80 {
                        over.push(format!(
                            "{}:{} is {length} lines",
                            path.display(),
                            start + 1
                        ));
                    }
                    break;
                }
            }
        }
    }
    assert!(over.is_empty(), "{over:#?}");
}

#[test]
fn no_files_import_each_other() {
    let sources = sources();
    let modules: BTreeSet<&str> = sources.iter().map(|(m, _, _)| m.as_str()).collect();
    // The longest module a path names: `crate::render::stacked::wrap` is `render::stacked`.
    let module_of = |segments: &[&str]| -> Option<String> {
        (1..=segments.len())
            .rev()
            .map(|n| segments[..n].join("::"))
            .find(|m| modules.contains(m.as_str()))
    };
    let related =
        |a: &str, b: &str| a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"));
    let mut imports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, _, code) in &sources {
        let parent: Vec<&str> = module.split("::").collect::<Vec<_>>();
        let parent = &parent[..parent.len() - 1];
        let code: String = code_lines(code).collect::<Vec<_>>().join("\n");
        for (prefix, base) in [("crate::", &[][..]), ("super::", parent)] {
            for (at, _) in code.match_indices(prefix) {
                if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue; // `super::super::`, or part of a longer path
                }
                let rest = &code[at + prefix.len()..];
                let named: Vec<&str> = rest
                    .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap()
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .collect();
                let full: Vec<&str> = base.iter().copied().chain(named).collect();
                if let Some(target) = module_of(&full)
                    && target != *module
                    && !related(&target, module)
                {
                    imports.entry(module.clone()).or_default().insert(target);
                }
            }
        }
    }
    // A file reaches itself through others: a cycle.
    let mut cycles = Vec::new();
    for start in imports.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = imports[start].iter().collect();
        while let Some(next) = stack.pop() {
            if next == start {
                cycles.push(start.clone());
                break;
            }
            if seen.insert(next) {
                stack.extend(imports.get(next).into_iter().flatten());
            }
        }
    }
    assert!(cycles.is_empty(), "files on a cycle of imports: {cycles:?}");
}
