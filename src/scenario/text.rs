//! A scenario's text: read as UTF-8 within its size, and checked on its way to the parser
//! for what the parser cannot see (strings too long, numbers that would not read back as
//! written).

use std::fmt;
use std::io::Read;
use std::path::Path;

use super::ScenarioError;

/// A scenario file is refused above this size: it is a hand-written story, not a data dump.
pub(crate) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The longest string a streamed scenario may hold: a name or a note, not a data dump.
pub(crate) const MAX_STRING_BYTES: usize = 1024 * 1024;

/// A UTF-8 byte order mark, which some editors put at the start of a file.
pub(super) const BOM: &str = "\u{feff}";

/// What the text checker refused, and where the string or number started (the parser
/// reports where reading stopped, a megabyte later for a long string). Carried to the parser's
/// caller inside the `io::Error` that stops the read.
#[derive(Debug)]
pub(super) struct TextRefused {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for TextRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TextRefused {}

/// Passes JSON text through to the parser, checking what the parser cannot: no string longer
/// than `max_string` bytes (so that a streamed file cannot make one value as big as the
/// file), and every number reads back exactly as written (`10.499999999999999` would be
/// read as 10.5, `5.0000000000000001` as 5, silently).
pub(super) struct CheckedText<R> {
    inner: R,
    max_string: usize,
    in_string: bool,
    escaped: bool,
    length: usize,
    line: usize,
    column: usize,
    /// Where the string or number being read began.
    started: (usize, usize),
    /// The number literal being read (empty between numbers): one buffer, reused.
    number: String,
}

impl<R: std::io::Read> CheckedText<R> {
    pub(super) fn new(inner: R, max_string: usize) -> CheckedText<R> {
        CheckedText {
            inner,
            max_string,
            in_string: false,
            escaped: false,
            length: 0,
            line: 1,
            column: 1,
            started: (1, 1),
            number: String::new(),
        }
    }

    /// Refuses the text: `message`, placed where the string or number began.
    fn refuse(&self, message: String) -> std::io::Error {
        let (line, column) = self.started;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            TextRefused {
                line,
                column,
                message,
            },
        )
    }

    /// Takes in one byte of the text.
    fn see(&mut self, byte: u8) -> std::io::Result<()> {
        if self.in_string {
            self.length += 1;
            if self.length > self.max_string {
                return Err(self.refuse(format!(
                    "a string longer than {} KiB: a scenario holds names and notes, not data",
                    self.max_string / 1024
                )));
            }
            match (self.escaped, byte) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_string = false,
                _ => {}
            }
        } else if matches!(byte, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
            if self.number.is_empty() {
                self.started = (self.line, self.column);
            }
            // Longer than any number written by hand: left to the parser.
            if self.number.len() <= 400 {
                self.number.push(byte as char);
            }
        } else {
            self.end_number()?;
            if byte == b'"' {
                self.in_string = true;
                self.length = 0;
                self.started = (self.line, self.column);
            }
        }
        if byte == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if byte & 0xC0 != 0x80 {
            // Columns count characters, as serde_json's do: not UTF-8 continuation bytes.
            self.column += 1;
        }
        Ok(())
    }

    /// A number literal ended: refused if it does not read back as written.
    fn end_number(&mut self) -> std::io::Result<()> {
        if !self.number.is_empty() && inexact(&self.number) {
            return Err(self.refuse(format!(
                "`{}` has more digits than a number can hold exactly: write the value meant (an amount as a string, like \"10.50\")",
                self.number
            )));
        }
        self.number.clear();
        Ok(())
    }
}

impl<R: std::io::Read> std::io::Read for CheckedText<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            // The end of the text ends a number too.
            self.end_number()?;
        }
        for &byte in &buf[..n] {
            self.see(byte)?;
        }
        Ok(n)
    }
}

/// Whether a number literal would not be read as exactly what it says: false for an
/// integer, a decimal that reads back as written, or no number at all (which the parser
/// refuses).
pub(super) fn inexact(literal: &str) -> bool {
    // An integer is read exactly, or refused as too large by the reader of its field.
    if literal.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return false;
    }
    match literal.parse::<f64>() {
        // Too large for any number: the reader of its field says so.
        Ok(value) if value.is_finite() => decimal(literal) != decimal(&value.to_string()),
        _ => false,
    }
}

/// A decimal as (negative, significant digits, power of ten), so that `10.50`, `1.05e1` and
/// `10.5` compare equal; `None` when it is not a decimal.
pub(super) fn decimal(text: &str) -> Option<(bool, String, i64)> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if !whole
        .bytes()
        .chain(fraction.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    if significant.is_empty() {
        return Some((false, String::new(), 0));
    }
    let power = exponent - fraction.len() as i64 + (digits.len() - significant.len()) as i64;
    Some((negative, significant.to_string(), power))
}

/// Reads a scenario file as UTF-8 text, refusing directories, huge files and other encodings.
pub fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let source = path.display().to_string();
    let error = |position, message: String| ScenarioError {
        source: source.clone(),
        position,
        step: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| error(None, format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| error(None, format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(error(None, "is a directory, not a scenario file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(None, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(error(
            None,
            format!(
                "is larger than {} MiB: a scenario file is a story, not a data dump",
                MAX_FILE_BYTES / 1024 / 1024
            ),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        let byte = e.as_bytes()[valid.len()];
        error(
            Some((line, column)),
            format!("is not UTF-8 text (byte 0x{byte:02x})"),
        )
    })
}
