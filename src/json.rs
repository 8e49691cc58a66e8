//! Pretty-printed JSON written a piece at a time: a document too long to hold (a long run's
//! output, a generated scenario) is written value by value, in the bytes serde_json gives the
//! whole document pretty-printed at once.

use std::io::Write;

use serde::Serialize;

/// Writes `value` pretty-printed as if nested `depth` levels deep (two spaces a level),
/// printing into `buffer` first (kept between calls) and writing it out in one pass. JSON
/// strings hold no raw newline, so every line break is the printer's own. The first line is
/// not indented: it follows a key or a list's own indentation, written by the caller.
pub fn write_indented(
    buffer: &mut Vec<u8>,
    out: &mut impl Write,
    depth: usize,
    value: &impl Serialize,
) -> anyhow::Result<()> {
    buffer.clear();
    serde_json::to_writer_pretty(&mut *buffer, value)?;
    let pad = "  ".repeat(depth);
    let mut lines = buffer.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.write_all(first)?;
    }
    for line in lines {
        out.write_all(b"\n")?;
        out.write_all(pad.as_bytes())?;
        out.write_all(line)?;
    }
    Ok(())
}
