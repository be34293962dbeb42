//! Untrusted text (asset names, tags, ids, a cloud's error messages) made safe to
//! print on a terminal: a control character could move the cursor or rewrite what
//! is shown (ANSI and OSC escapes, carriage returns, bidirectional overrides), so
//! it is printed as an escape such as `\u{1b}` instead. Every text output goes
//! through `output`; the fields of a line go through `field` as well.

use std::borrow::Cow;

/// Whether a character can change how the text around it is shown.
fn unsafe_char(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escaped(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| unsafe_char(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) && !keep(c) {
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
