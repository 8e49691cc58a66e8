//! Pretty-printed JSON written a piece at a time: a document too long to hold (a long run's
//! output, a generated scenario) is written value by value, in the bytes serde_json gives the
//! whole document pretty-printed at once.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

/// Writes `value` pretty-printed as if nested `depth` levels deep (two spaces a level),
/// straight into `out`. The first line is not indented: it follows a key or a list's own
/// indentation, written by the caller.
pub(crate) fn write_indented(
    out: &mut impl Write,
    depth: usize,
    value: &impl Serialize,
) -> anyhow::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(out, Indented::at(depth));
    // The output's own error, as written: a reader that went away is a closed pipe, as
    // `main` looks for it, not a JSON error.
    value.serialize(&mut serializer).map_err(io::Error::from)?;
    Ok(())
}

/// Writes `compact`, a value as serde_json writes it compactly (no white space outside its
/// strings), in the bytes `write_indented` gives the value at `depth`: each line break and
/// indentation where serde_json's pretty printer puts one, and no parsing.
pub(crate) fn write_reindented(
    out: &mut impl Write,
    depth: usize,
    compact: &[u8],
) -> io::Result<()> {
    let mut line = Indented::at(depth);
    let mut start = 0;
    let mut i = 0;
    while i < compact.len() {
        match compact[i] {
            b'"' => {
                i += 1;
                while i < compact.len() && compact[i] != b'"' {
                    // An escape: the next byte is the escaped one, a quote included.
                    i += if compact[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            // An empty array or object stays on its line.
            b'[' if compact.get(i + 1) == Some(&b']') => i += 2,
            b'{' if compact.get(i + 1) == Some(&b'}') => i += 2,
            b'[' | b'{' => {
                out.write_all(&compact[start..=i])?;
                line.current += 1;
                line.new_line(out, false)?;
                i += 1;
                start = i;
            }
            b']' | b'}' => {
                out.write_all(&compact[start..i])?;
                line.current = line.current.saturating_sub(1);
                line.new_line(out, false)?;
                start = i;
                i += 1;
            }
            b',' => {
                out.write_all(&compact[start..i])?;
                line.new_line(out, true)?;
                i += 1;
                start = i;
            }
            b':' => {
                out.write_all(&compact[start..i])?;
                out.write_all(b": ")?;
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.write_all(&compact[start.min(compact.len())..])
}

/// serde_json's `PrettyFormatter` (two spaces a level), started `depth` levels in: the same
/// bytes as pretty-printing the value alone and indenting every line after its first, with
/// no second pass over them.
struct Indented {
    /// Levels of indentation of the line being written.
    current: usize,
    /// Whether the array or object just ended held a value (its closing bracket then goes on
    /// a line of its own).
    has_value: bool,
}

/// A comma, a line break and the indentation of up to 64 levels: a new line's start, written
/// as one slice of it.
const SPACES: [u8; 130] = {
    let mut spaces = [b' '; 130];
    spaces[0] = b',';
    spaces[1] = b'\n';
    spaces
};

impl Indented {
    fn at(depth: usize) -> Indented {
        Indented {
            current: depth,
            has_value: false,
        }
    }

    /// `,` (when `comma`), a line break and the current indentation.
    fn new_line<W: ?Sized + Write>(&self, out: &mut W, comma: bool) -> io::Result<()> {
        let start = if comma { 0 } else { 1 };
        let spaces = 2 * self.current;
        if 2 + spaces <= SPACES.len() {
            out.write_all(&SPACES[start..2 + spaces])
        } else {
            out.write_all(&SPACES[start..2])?;
            for _ in 0..self.current {
                out.write_all(b"  ")?;
            }
            Ok(())
        }
    }
}

impl Formatter for Indented {
    #[inline]
    fn begin_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.current += 1;
        self.has_value = false;
        out.write_all(b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.current -= 1;
        if self.has_value {
            self.new_line(out, false)?;
        }
        out.write_all(b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.new_line(out, !first)
    }

    #[inline]
    fn end_array_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.current += 1;
        self.has_value = false;
        out.write_all(b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        self.current -= 1;
        if self.has_value {
            self.new_line(out, false)?;
        }
        out.write_all(b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + Write>(&mut self, out: &mut W, first: bool) -> io::Result<()> {
        self.new_line(out, !first)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + Write>(&mut self, out: &mut W) -> io::Result<()> {
        out.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + Write>(&mut self, _out: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of `value` pretty-printed by serde_json with every line after the first
    /// indented `depth` levels: what `write_indented` promises.
    fn padded(depth: usize, value: &serde_json::Value) -> String {
        let pretty = serde_json::to_string_pretty(value).unwrap();
        pretty.replace('\n', &format!("\n{}", "  ".repeat(depth)))
    }

    #[test]
    fn writes_the_bytes_of_serde_json_pretty_printed_then_indented() {
        // Deeper than the slice of spaces a line's start is written from.
        let mut deep = serde_json::json!(1);
        for _ in 0..70 {
            deep = serde_json::json!([deep]);
        }
        let value = serde_json::json!({
            "a": [1, 2.5, {"b": [], "c": {}, "d": [[]], "e": [{}]}],
            "text": "two\nlines \"quoted\" é ✓",
            "null": null,
            "deep": deep,
        });
        for depth in [0, 1, 2, 4, 70] {
            let mut out = Vec::new();
            write_indented(&mut out, depth, &value).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), padded(depth, &value));
        }
        let mut out = Vec::new();
        write_indented(&mut out, 3, &"plain").unwrap();
        assert_eq!(out, b"\"plain\"");
    }

    #[test]
    fn compact_json_is_reindented_as_serde_json_pretty_prints_it() {
        let values = [
            serde_json::json!({
                "a": [1, -2.5, {"b": [], "c": {}, "d": [[]], "e": [{}], "f": [true, false]}],
                "quotes": "a \"quoted\" {string}, [with] : brackets\\",
                "escapes": "\\\"\n\t\u{1}",
                "null": null,
                "unicode": "é ✓",
            }),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!("just a string"),
            serde_json::json!(12),
            serde_json::json!([[{"x": [{}, []]}]]),
        ];
        for value in values {
            let compact = serde_json::to_vec(&value).unwrap();
            for depth in [0, 1, 4, 7] {
                let mut out = Vec::new();
                write_reindented(&mut out, depth, &compact).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), padded(depth, &value));
            }
        }
        let mut out = Vec::new();
        write_indented(&mut out, 3, &"plain").unwrap();
        assert_eq!(out, b"\"plain\"");
    }
}
