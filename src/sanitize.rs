//! Text from users' files, made safe to print: the bottom layer, used by every other.

/// Text from a user's file, made safe to print: control characters (ANSI escapes, newlines)
/// are shown escaped, never sent to the terminal, and very long text is cut.
pub(crate) fn clean(text: &str) -> String {
    const MAX_CHARS: usize = 60;
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CHARS {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// A note or description: kept whole (it is narration), but control characters escaped.
pub fn clean_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_control() {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_is_cut() {
        assert_eq!(clean("Bob"), "Bob");
        assert_eq!(clean("\u{1b}[31mEvil"), "\\u{1b}[31mEvil");
        assert_eq!(clean("two\nlines"), "two\\nlines");
        let long = "x".repeat(200);
        assert_eq!(clean(&long).chars().count(), 61);
        assert!(clean(&long).ends_with('…'));
        assert_eq!(clean_prose("a\u{7}b"), "a\\u{7}b");
    }
}
