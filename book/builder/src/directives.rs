//! Finding `{{#name args}}` directives in a page, the way mdBook's `links`
//! preprocessor finds them: anywhere in the text (code blocks included), and
//! `\{{#…}}` is an escaped directive that mdBook shows literally.

/// One directive in a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive<'a> {
    /// Byte offsets of the whole `{{…}}` in the page.
    pub start: usize,
    pub end: usize,
    /// 1-based line of the opening `{{`.
    pub line: usize,
    /// `include`, `rustdoc_include`, `hints`, …
    pub name: &'a str,
    /// Everything after the name, trimmed: `../x.rs:anchor`.
    pub args: &'a str,
    /// The whole `{{#…}}` text, for messages.
    pub text: &'a str,
}

/// Every unescaped directive of `text`, in order.
pub fn find(text: &str) -> Vec<Directive<'_>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find("{{") {
        let start = at + offset;
        // `\{{#…}}`: mdBook drops the backslash and shows the rest as text;
        // its pattern runs to the last `}}` on the line.
        if start > 0 && bytes[start - 1] == b'\\' && bytes.get(start + 2) == Some(&b'#') {
            let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
            at = match text[start..line_end].rfind("}}") {
                Some(close) => start + close + 2,
                None => start + 2,
            };
            continue;
        }
        match parse_at(text, start) {
            Some(directive) => {
                at = directive.end;
                found.push(directive);
            }
            // Not a directive (`{{ x }}`, `{{{#…`): look again one byte on,
            // as a regular expression search would.
            None => at = start + 1,
        }
    }
    found
}

/// Parses `{{ #name args}}` at `start`, mdBook's pattern:
/// `\{\{\s*\#([a-zA-Z0-9_]+)\s+([^}]+)\}\}`.
fn parse_at(text: &str, start: usize) -> Option<Directive<'_>> {
    let rest = &text[start + 2..];
    let after_space = rest.trim_start();
    let after_hash = after_space.strip_prefix('#')?;
    let name_len = after_hash
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after_hash.len());
    if name_len == 0 {
        return None;
    }
    let name = &after_hash[..name_len];
    let after_name = &after_hash[name_len..];
    let args_part = after_name.trim_start();
    if args_part.len() == after_name.len() {
        return None; // no whitespace between the name and its arguments
    }
    let close = args_part.find('}')?;
    if close == 0 || !args_part[close..].starts_with("}}") {
        return None;
    }
    let args_start = text.len() - args_part.len();
    let end = args_start + close + 2;
    Some(Directive {
        start,
        end,
        line: text[..start].matches('\n').count() + 1,
        name,
        args: args_part[..close].trim(),
        text: &text[start..end],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_includes_with_their_lines() {
        let text = "a\n```rust\n{{#include ../x.rs:all}}\n```\nb {{ #hints udp-dict }} c\n";
        let found = find(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].line, found[0].name, found[0].args),
            (3, "include", "../x.rs:all")
        );
        assert_eq!(found[0].text, "{{#include ../x.rs:all}}");
        assert_eq!(
            (found[1].line, found[1].name, found[1].args),
            (5, "hints", "udp-dict")
        );
        assert_eq!(&text[found[1].start..found[1].end], "{{ #hints udp-dict }}");
    }

    #[test]
    fn skips_escaped_directives_and_non_directives() {
        let text = "\\{{#include nope.rs}} and {{ handlebars }} and {{#}} and {{#x}}";
        assert_eq!(find(text), vec![]);
    }

    #[test]
    fn a_triple_brace_still_finds_the_directive() {
        let found = find("{{{#include a.rs}}");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].args, "a.rs");
    }
}
