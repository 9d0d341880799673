//! Untrusted text inside error messages: a filter expression, a traceparent
//! from a process's environment or a request. Errors are one line, so control
//! characters are escaped (`\n`, `\u{1b}`) and long input is cut short.

/// Longest quoted input, in characters.
const MAX_CHARS: usize = 120;

/// `text` with control characters escaped, at most [`MAX_CHARS`] characters
/// of it (then `...`).
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS + 3));
    for (count, c) in text.chars().enumerate() {
        if count == MAX_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `text` holds a control character.
pub fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_text_cut() {
        assert_eq!(printable("a\nb\0c\u{1b}[31m é"), "a\\nb\\0c\\u{1b}[31m é");
        let long = "x".repeat(500);
        assert_eq!(printable(&long), format!("{}...", "x".repeat(MAX_CHARS)));
        assert!(has_control("a\tb") && !has_control("trace=%file,!openat"));
    }
}
