//! Failure messages that teach.

use std::fmt;

/// A failed expectation: what the test sent, what it expected, what came back,
/// and the most likely cause. Its `Display` is the panic message a student sees.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// What the test did or sent, e.g. `datagram b"apple" to 127.0.0.1:4000`.
    pub sent: String,
    /// What a correct implementation does.
    pub expected: String,
    /// What actually happened.
    pub got: String,
    /// The mistake that most often produces this failure.
    pub cause: String,
    /// The first line, when it should not be the usual "expected …, got …"
    /// (e.g. the panic that stopped the code under test).
    pub headline: String,
}

impl Report {
    /// Starts a report from what the test sent.
    pub fn sent(sent: impl Into<String>) -> Self {
        Report {
            sent: sent.into(),
            ..Report::default()
        }
    }

    /// Adds what a correct implementation does.
    pub fn expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = expected.into();
        self
    }

    /// Adds what actually happened.
    pub fn got(mut self, got: impl Into<String>) -> Self {
        self.got = got.into();
        self
    }

    /// Adds the likely cause.
    pub fn cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = cause.into();
        self
    }

    /// Sets the first line, in place of "expected …, got …".
    pub fn headline(mut self, headline: impl Into<String>) -> Self {
        self.headline = headline.into();
        self
    }

    /// Panics with this report: the test fails with the whole explanation.
    #[track_caller]
    pub fn fail(self) -> ! {
        panic!("{self}")
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The first line stands alone where there is room for one line only
        // (`cargo xtask test`), so it says the gist in a sentence.
        let gist = if self.headline.is_empty() {
            let gist = format!("expected {}, got {}", self.expected, self.got);
            match gist.char_indices().nth(HEADLINE) {
                Some((cut, _)) => format!("{}…", &gist[..cut]),
                None => gist,
            }
        } else {
            self.headline.clone()
        };
        writeln!(f, "{gist}")?;
        writeln!(f, "  sent:         {}", self.sent)?;
        writeln!(f, "  expected:     {}", self.expected)?;
        writeln!(f, "  got:          {}", self.got)?;
        if !self.cause.is_empty() {
            writeln!(f, "  likely cause: {}", self.cause)?;
        }
        Ok(())
    }
}

/// The longest first line of a report, in characters.
const HEADLINE: usize = 110;

/// Shows bytes the way a test author would write them: `b"apple\n"`, with
/// non-UTF-8 bytes escaped, and long input cut to its first 120 bytes.
pub fn show(bytes: &[u8]) -> String {
    const MAX: usize = 120;
    let shown: String = bytes
        .iter()
        .take(MAX)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    if bytes.len() > MAX {
        format!("b\"{shown}\"… ({} bytes in all)", bytes.len())
    } else {
        format!("b\"{shown}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_escapes_and_cuts() {
        let shown = show(b"a\n\xff");
        assert_eq!(
            shown, r#"b"a\n\xff""#,
            "show should escape a newline and a byte that is not UTF-8 \
             (left: got, right: expected)"
        );
        let long = show(&[b'x'; 200]);
        assert!(
            long.ends_with("(200 bytes in all)"),
            "show of 200 bytes should be cut and end with \"(200 bytes in all)\"; got {long:?}"
        );
    }
}
