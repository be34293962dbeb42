//! Untrusted text (asset names, tags, ids, a cloud's error messages) made safe to
//! print on a terminal: a control character could move the cursor or rewrite what
//! is shown (ANSI and OSC escapes, carriage returns, bidirectional overrides), so
//! it is printed as an escape such as `\u{1b}` instead. Every text output goes
//! through `output`; the fields of a line go through `field` as well.
//!
//! Standard output is written through `write_stdout` (the `say!` and `sayln!`
//! macros), so a full disk is one clear error rather than a panic, and a reader
//! that stops early (`| head`) ends the command quietly (`is_closed_pipe`).

use std::borrow::Cow;

/// Whether a character can change how the text around it is shown.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe_char(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) && !keep(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A whole text output: every unsafe character escaped but the line breaks.
pub fn output(text: &str) -> Cow<'_, str> {
    escaped(text, |c| c == '\n')
}

/// One field of a line (a name, an id, an evidence summary): its line breaks
/// escaped too, so that it cannot start a line of its own.
pub fn field(text: &str) -> Cow<'_, str> {
    escaped(text, |_| false)
}

/// One CSV cell (RFC 4180 quoting). A spreadsheet runs a cell that starts like a
/// formula (`=HYPERLINK(…)`): a leading quote keeps it text.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Writes text to standard output, flushed: a failure is an error that says so.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).context("writing to standard output")
}

/// Writes a line to standard error, as `write_stdout` writes standard output.
pub fn write_stderr_line(text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    writeln!(err, "{text}").and_then(|()| err.flush()).context("writing to standard error")
}

/// Whether an error is standard output closed by its reader, which ends a command
/// quietly as it ends any Unix tool.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// `print!` that returns an error instead of panicking (see `write_stdout`).
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::terminal::write_stdout(&format!($($arg)*))?
    };
}

/// `println!` that returns an error instead of panicking (see `write_stdout`).
#[macro_export]
macro_rules! sayln {
    () => {
        $crate::terminal::write_stdout("\n")?
    };
    ($($arg:tt)*) => {
        $crate::terminal::write_stdout(&format!("{}\n", format_args!($($arg)*)))?
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(output("plain\nlines"), "plain\nlines");
        assert!(matches!(output("plain"), Cow::Borrowed(_)));
        assert_eq!(output("x\r    PASS\u{1b}[2K"), "x\\u{d}    PASS\\u{1b}[2K");
        assert_eq!(field("two\nlines"), "two\\u{a}lines");
        assert_eq!(field("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(field("café ✓"), "café ✓", "printable text is kept as it is");
    }
}
