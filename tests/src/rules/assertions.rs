//! Finds assertions without a message in Rust source.
//!
//! A bare `assert_eq!(got, expected)` fails with `left: [0, 0, 16, 0] /
//! right: [0, 16, 0, 0]`, and says neither which side was expected nor what
//! was being done. An assertion has a message when it has an argument after
//! its condition (`assert!`) or after its two values (`assert_eq!`,
//! `assert_ne!`): the format string.
//!
//! The scan reads the source as the compiler's lexer does, as far as that
//! matters here: comments, strings (raw, byte and C strings too) and
//! character literals are skipped, so an `assert!(` inside them is no
//! assertion, and a comma inside them separates nothing; an invocation may
//! span lines and use `()`, `[]` or `{}`; its arguments are separated by the
//! commas outside brackets (`()`, `[]`, `{}`, and the `<>` of a turbofish
//! `::<A, B>`). A closure's `|a, b|` at the top level of an assertion's
//! arguments would be miscounted; no assertion needs one there.

/// The macros that must carry a message.
const ASSERTIONS: [(&str, usize); 6] = [
    ("assert", 1),
    ("assert_eq", 2),
    ("assert_ne", 2),
    ("debug_assert", 1),
    ("debug_assert_eq", 2),
    ("debug_assert_ne", 2),
];

/// One assertion without a message.
#[derive(Debug, PartialEq, Eq)]
pub struct Bare {
    /// The line of its name, counted from 1.
    pub line: usize,
    /// `assert`, `assert_eq`, …
    pub name: &'static str,
}

/// Every assertion in `source` that has no message, in order.
pub fn bare_assertions(source: &str) -> Vec<Bare> {
    let mut scan = Scanner {
        chars: source.chars().collect(),
        at: 0,
        line: 1,
        found: Vec::new(),
    };
    scan.tokens_until(None);
    scan.found
}

/// What [`Scanner::skip_non_code`] stepped over.
enum Skipped {
    Nothing,
    /// A comment: no token.
    Comment,
    /// A string or character literal: one token.
    Literal,
}

struct Scanner {
    chars: Vec<char>,
    at: usize,
    line: usize,
    found: Vec<Bare>,
}

impl Scanner {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Reads tokens up to the bracket `close` (consumed) or the end of the
    /// source; returns how many non-empty comma-separated arguments there
    /// were at this level. Assertions met on the way are checked, nested ones
    /// too.
    fn tokens_until(&mut self, close: Option<char>) -> usize {
        let mut arguments = 0;
        let mut in_argument = false;
        // The previous two code characters, to see a turbofish's `::<`.
        let mut before = [' ', ' '];
        while let Some(c) = self.peek(0) {
            match self.skip_non_code() {
                Skipped::Comment => continue,
                Skipped::Literal => {
                    in_argument = true;
                    before = ['"', '"'];
                    continue;
                }
                Skipped::Nothing => {}
            }
            if Some(c) == close {
                self.bump();
                return arguments + usize::from(in_argument);
            }
            if c.is_alphanumeric() || c == '_' {
                self.identifier_or_number();
                in_argument = true;
                before = ['a', 'a'];
                continue;
            }
            self.bump();
            if c.is_whitespace() {
                continue;
            }
            let opened = match c {
                '(' => Some(')'),
                '[' => Some(']'),
                '{' => Some('}'),
                '<' if before == [':', ':'] || close == Some('>') => Some('>'),
                _ => None,
            };
            if let Some(closing) = opened {
                self.tokens_until(Some(closing));
            } else if c == ',' {
                arguments += usize::from(in_argument);
                in_argument = false;
                before = [before[1], c];
                continue;
            } else if c == '-' && self.peek(0) == Some('>') && close == Some('>') {
                // `fn() -> T` inside a turbofish: that `>` closes nothing.
                self.bump();
            }
            in_argument = true;
            before = [before[1], c];
        }
        arguments + usize::from(in_argument)
    }

    /// Skips a comment, a string or a character literal at the cursor.
    fn skip_non_code(&mut self) -> Skipped {
        match (self.peek(0), self.peek(1)) {
            (Some('/'), Some('/')) => {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.bump();
                }
                Skipped::Comment
            }
            (Some('/'), Some('*')) => {
                self.block_comment();
                Skipped::Comment
            }
            (Some('"'), _) => {
                self.bump();
                self.quoted('"');
                Skipped::Literal
            }
            (Some('\''), _) => {
                self.char_or_lifetime();
                Skipped::Literal
            }
            _ => Skipped::Nothing,
        }
    }

    /// `/* … */`, which nests.
    fn block_comment(&mut self) {
        self.bump();
        self.bump();
        let mut depth = 1;
        while depth > 0 {
            match (self.peek(0), self.peek(1)) {
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    depth += 1;
                }
                (Some('*'), Some('/')) => {
                    self.bump();
                    self.bump();
                    depth -= 1;
                }
                (Some(_), _) => {
                    self.bump();
                }
                (None, _) => return,
            }
        }
    }

    /// The rest of a literal after its opening quote, escapes included.
    fn quoted(&mut self, quote: char) {
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    /// `'x'`, `'\n'`, `'\u{1F600}'`, or a lifetime or label (`'a`), which
    /// has no closing quote.
    fn char_or_lifetime(&mut self) {
        self.bump();
        if self.peek(0) == Some('\\') || self.peek(1) == Some('\'') {
            self.quoted('\'');
        }
    }

    /// An identifier (or a number, read the same way), and what follows it
    /// when that matters: a prefixed literal (`r#"…"#`, `b"…"`, `b'x'`), or
    /// an assertion's arguments.
    fn identifier_or_number(&mut self) {
        let line = self.line;
        let start = self.at;
        while self
            .peek(0)
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            self.bump();
        }
        let word: String = self.chars[start..self.at].iter().collect();
        match (word.as_str(), self.peek(0)) {
            ("b" | "c", Some('"')) => {
                self.bump();
                self.quoted('"');
                return;
            }
            ("b", Some('\'')) => {
                self.char_or_lifetime();
                return;
            }
            ("r" | "br" | "cr", Some('"' | '#')) => {
                self.raw_string();
                return;
            }
            _ => {}
        }
        let Some(&(name, values)) = ASSERTIONS.iter().find(|(name, _)| *name == word) else {
            return;
        };
        // The previous character: `r#assert`, `x.assert` are no invocations
        // of the macro; `std::assert!` is.
        if start > 0 && matches!(self.chars[start - 1], '#' | '.') {
            return;
        }
        let Some(close) = self.invocation_opening() else {
            return;
        };
        let arguments = self.tokens_until(Some(close));
        if arguments <= values {
            self.found.push(Bare { line, name });
        }
    }

    /// After a macro's name: `!`, then `(`, `[` or `{` (spaces and comments
    /// allowed between); consumes them and returns the closing bracket.
    /// Consumes nothing and returns `None` when this is no invocation
    /// (`assert != x`, a function named `assert`).
    fn invocation_opening(&mut self) -> Option<char> {
        let (at, line) = (self.at, self.line);
        let mut bang = false;
        loop {
            match self.skip_non_code() {
                Skipped::Comment => continue,
                Skipped::Literal => break,
                Skipped::Nothing => {}
            }
            match self.peek(0) {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('!') if !bang => {
                    self.bump();
                    bang = true;
                }
                Some(open @ ('(' | '[' | '{')) if bang => {
                    self.bump();
                    return Some(match open {
                        '(' => ')',
                        '[' => ']',
                        _ => '}',
                    });
                }
                _ => break,
            }
        }
        (self.at, self.line) = (at, line);
        None
    }

    /// A raw string after its prefix (`r`, `br`, `cr`): `#`s, `"`, the text,
    /// `"` and as many `#`s. Just `r#` with no quote is a raw identifier,
    /// left as it is.
    fn raw_string(&mut self) {
        let mut hashes = 0;
        while self.peek(hashes) == Some('#') {
            hashes += 1;
        }
        if self.peek(hashes) != Some('"') {
            return;
        }
        for _ in 0..=hashes {
            self.bump();
        }
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|i| self.peek(i) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of the bare assertions found in `source`.
    fn bare_lines(source: &str) -> Vec<usize> {
        bare_assertions(source).iter().map(|b| b.line).collect()
    }

    #[track_caller]
    fn expect(source: &str, expected: &[usize]) {
        let got = bare_lines(source);
        assert_eq!(
            got, expected,
            "in the source below, expected bare assertions on lines {expected:?}; \
             the scan found them on lines {got:?}:\n{source}"
        );
    }

    #[test]
    fn a_bare_assertion_is_flagged_with_its_line_and_name() {
        let found = bare_assertions("fn t() {\n    assert_eq!(got, 4);\n}\n");
        let expected = [Bare {
            line: 2,
            name: "assert_eq",
        }];
        assert_eq!(
            found, expected,
            "expected one bare assert_eq! on line 2; got {found:?}"
        );
        expect("assert!(ok);", &[1]);
        expect("assert_ne!(a, b);", &[1]);
        expect("debug_assert!(ok);", &[1]);
        expect("std::assert!(ok);", &[1]);
    }

    #[test]
    fn an_assertion_with_a_message_is_not_flagged() {
        expect(r#"assert!(ok, "expected ok");"#, &[]);
        expect(r#"assert_eq!(got, 4, "expected 4; got {got}");"#, &[]);
        expect(r#"assert_ne!(a, b, "{a} twice");"#, &[]);
        expect(r#"assert!(why.contains("x"), "{why}");"#, &[]);
    }

    #[test]
    fn a_trailing_comma_is_no_message() {
        expect("assert!(ok,);", &[1]);
        expect("assert_eq!(\n    a,\n    b,\n);", &[1]);
    }

    #[test]
    fn multi_line_assertions_are_read_to_their_end() {
        let bare = "let x = 1;\nassert_eq!(\n    f(a, b),\n    [1, 2, 3]\n);\n";
        expect(bare, &[2]);
        let with_message = "assert!(\n    v.iter()\n        .all(|(a, b)| a == b),\n    \
                            \"expected {v:?}, pairwise equal\"\n);\n";
        expect(with_message, &[]);
        let two = "assert!(\n  a\n);\nassert!(\n  b,\n  \"b\"\n);\nassert!(c);\n";
        expect(two, &[1, 8]);
    }

    #[test]
    fn commas_inside_brackets_strings_and_generics_separate_nothing() {
        expect("assert_eq!(f(a, b), [c, d]);", &[1]);
        expect("assert_eq!(Point { x: 1, y: 2 }, p);", &[1]);
        expect(r#"assert_eq!(s, "a, b");"#, &[1]);
        expect("assert_eq!(c, ',');", &[1]);
        expect("assert_eq!(m, HashMap::<u8, u8>::new());", &[1]);
        expect("assert_eq!(f, Box::<dyn Fn(u8, u8) -> u8>::new(g));", &[1]);
        expect("assert!(a < b, \"{a} < {b}\");", &[]);
        expect("assert!(a < b && c > d);", &[1]);
    }

    #[test]
    fn brackets_and_braces_are_invocations_too() {
        expect("assert![ok];", &[1]);
        expect("assert_eq! { a, b }", &[1]);
        expect("assert ! (ok);", &[1]);
        expect(r#"assert!{ok, "fine"}"#, &[]);
    }

    #[test]
    fn comments_strings_and_lookalikes_are_no_assertions() {
        expect(
            "// assert!(ok);\n/* assert!(ok); /* nested */ assert!(x); */",
            &[],
        );
        expect(r#"let s = "assert!(ok);";"#, &[]);
        expect(r###"let s = r#"assert!(ok); "quoted" "#;"###, &[]);
        expect(r#"let s = b"assert!(ok)";"#, &[]);
        expect("fn assert(x: bool) {}\nassert(true);", &[]);
        expect("if assert != 0 {}", &[]);
        expect("debug_assertions; my_assert!(x); x.assert_eq(y);", &[]);
        expect("let r#assert = 1;", &[]);
    }

    #[test]
    fn lifetimes_and_char_literals_do_not_derail_the_scan() {
        expect("fn f<'a>(x: &'a str) {}\nassert!(x);", &[2]);
        expect("let q = '\"';\nassert!(ok);", &[2]);
        expect("let q = '\\'';\nlet b = b'\"';\nassert!(ok);", &[3]);
        expect("'outer: loop { break 'outer; }\nassert!(ok);", &[2]);
    }

    #[test]
    fn nested_assertions_are_checked_too() {
        expect(
            "assert!(v.iter().all(|x| { assert!(x > 0); true }), \"all\");",
            &[1],
        );
        expect(
            "assert_eq!(\n  f(|| {\n    assert_eq!(a, b, \"a\");\n  }),\n  1\n);",
            &[1],
        );
    }
}
