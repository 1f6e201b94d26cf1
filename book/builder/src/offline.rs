//! The built book must open from `file://` with no network: nothing it loads
//! (scripts, styles, fonts, images, frames) may come from another host.
//! Plain hyperlinks (`<a href="https://…">`) are fine: a reader follows them
//! by choice.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// One reference to something outside the book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalLoad {
    /// The file, relative to the output folder.
    pub file: String,
    pub line: usize,
    /// What loads it: `<script src>`, `url()`, …
    pub what: String,
    pub url: String,
}

impl std::fmt::Display for ExternalLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {} loads {}",
            self.file, self.line, self.what, self.url
        )
    }
}

/// Every external load in the `.html`, `.css` and `.svg` files under `out`.
pub fn scan(out: &Path) -> Result<Vec<ExternalLoad>> {
    let mut found = Vec::new();
    for path in files(out)? {
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        let scan_file: fn(&str) -> Vec<(usize, String, String)> = match ext {
            "html" | "htm" | "svg" => scan_markup,
            "css" => |text| scan_css(text, 0),
            _ => continue,
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file = path
            .strip_prefix(out)
            .unwrap_or(&path)
            .display()
            .to_string();
        for (offset, what, url) in scan_file(&text) {
            let line = text[..offset].matches('\n').count() + 1;
            found.push(ExternalLoad {
                file: file.clone(),
                line,
                what,
                url,
            });
        }
    }
    Ok(found)
}

/// All files under `dir`, sorted.
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                all.push(path);
            }
        }
    }
    all.sort();
    Ok(all)
}

/// True for a reference that leaves the book: a scheme other than `data:`
/// (`https:`, `http:`, `ftp:` …) or a protocol-relative `//host/…`.
pub fn is_external(url: &str) -> bool {
    let url = url.trim();
    if url.starts_with("//") || url.starts_with("\\\\") {
        return true;
    }
    match url.split_once(':') {
        Some((scheme, _)) => {
            let is_scheme = !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            is_scheme && !scheme.eq_ignore_ascii_case("data")
        }
        None => false,
    }
}

/// Attributes through which an element loads something.
const LOADING_ATTRIBUTES: &[&str] = &[
    "src",
    "href",
    "srcset",
    "poster",
    "data",
    "xlink:href",
    "action",
    "formaction",
    "background",
    "manifest",
];

/// External loads in HTML or SVG: `(byte offset, what, url)`.
fn scan_markup(text: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find('<') {
        let start = at + offset;
        let rest = &text[start..];
        if rest.starts_with("<!--") {
            at = rest.find("-->").map_or(text.len(), |n| start + n + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            at = rest.find('>').map_or(text.len(), |n| start + n + 1);
            continue;
        }
        let Some((tag, attributes, end)) = parse_tag(text, start) else {
            at = start + 1;
            continue;
        };
        at = end;
        let tag_lower = tag.to_ascii_lowercase();
        for (name, value, value_at) in attributes {
            let name = name.to_ascii_lowercase();
            if name == "style" {
                for (offset, what, url) in scan_css(value, value_at) {
                    found.push((offset, format!("<{tag} style> {what}"), url));
                }
                continue;
            }
            // A hyperlink is followed by the reader's choice, not loaded.
            if tag_lower == "a" || !LOADING_ATTRIBUTES.contains(&name.as_str()) {
                continue;
            }
            let urls: Vec<&str> = if name == "srcset" {
                value
                    .split(',')
                    .filter_map(|c| c.split_whitespace().next())
                    .collect()
            } else {
                vec![value]
            };
            for url in urls {
                if is_external(url) {
                    found.push((value_at, format!("<{tag} {name}>"), url.to_string()));
                }
            }
        }
        // The content of <script> and <style> is not markup.
        if tag_lower == "script" || tag_lower == "style" {
            let close = format!("</{tag_lower}");
            let body_end = text[at..]
                .to_ascii_lowercase()
                .find(&close)
                .map_or(text.len(), |n| at + n);
            if tag_lower == "style" {
                for (offset, what, url) in scan_css(&text[at..body_end], at) {
                    found.push((offset, format!("<style> {what}"), url));
                }
            }
            at = body_end;
        }
    }
    found
}

/// An attribute: `(name, value, byte offset of the value)`.
type Attribute<'a> = (&'a str, &'a str, usize);

/// Parses the start tag at `start`: its name, attributes, and the offset just
/// after its `>`. `None` if `<` does not open a tag.
fn parse_tag(text: &str, start: usize) -> Option<(&str, Vec<Attribute<'_>>, usize)> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    let name_start = i;
    if !bytes.get(i)?.is_ascii_alphabetic() {
        return None;
    }
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || b"-:".contains(&bytes[i])) {
        i += 1;
    }
    let tag = &text[name_start..i];
    let mut attributes = Vec::new();
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        match bytes.get(i) {
            None => return Some((tag, attributes, text.len())),
            Some(b'>') => return Some((tag, attributes, i + 1)),
            Some(_) => {}
        }
        let attr_start = i;
        while i < bytes.len() && !b" \t\r\n/>=".contains(&bytes[i]) {
            i += 1;
        }
        let name = &text[attr_start..i];
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            if name.is_empty() {
                i += 1; // a stray character: skip it
            }
            continue;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let (value_start, value_end) = match bytes.get(i) {
            Some(&quote @ (b'"' | b'\'')) => {
                let value_start = i + 1;
                let value_end = text[value_start..]
                    .find(quote as char)
                    .map_or(text.len(), |n| value_start + n);
                i = (value_end + 1).min(text.len());
                (value_start, value_end)
            }
            _ => {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                (value_start, i)
            }
        };
        attributes.push((name, &text[value_start..value_end], value_start));
    }
}

/// External loads in CSS (`url(…)`, `@import "…"`): `(byte offset + base,
/// what, url)`.
fn scan_css(text: &str, base: usize) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    while let Some(offset) = lower[at..].find("url(") {
        let value_start = at + offset + 4;
        let value_end = text[value_start..]
            .find(')')
            .map_or(text.len(), |n| value_start + n);
        let url = text[value_start..value_end]
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        if is_external(url) {
            found.push((base + value_start, "url()".to_string(), url.to_string()));
        }
        at = value_end;
    }
    at = 0;
    while let Some(offset) = lower[at..].find("@import") {
        let value_start = at + offset + 7;
        let value = text[value_start..].trim_start();
        if let Some(quote @ ('"' | '\'')) = value.chars().next() {
            let url = value[1..].split(quote).next().unwrap_or("");
            if is_external(url) {
                found.push((base + value_start, "@import".to_string(), url.to_string()));
            }
        }
        at = value_start;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(found: Vec<(usize, String, String)>) -> Vec<String> {
        found
            .into_iter()
            .map(|(_, what, url)| format!("{what} {url}"))
            .collect()
    }

    #[test]
    fn external_means_another_host() {
        for url in [
            "https://cdn.example/x.js",
            "http://x",
            "//fonts.example/f.woff2",
            "ftp://x",
        ] {
            assert!(is_external(url), "{url}");
        }
        for url in [
            "book.js",
            "../fonts/fonts.css",
            "data:image/png;base64,AA",
            "#top",
        ] {
            assert!(!is_external(url), "{url}");
        }
        assert!(!is_external("data:font/woff2;base64,AA"));
    }

    #[test]
    fn finds_scripts_styles_images_and_fonts_but_not_hyperlinks() {
        let html = r#"<!DOCTYPE html>
<html><head>
<link rel="stylesheet" href="css/general.css">
<link rel="stylesheet" href="https://cdn.example/katex.css">
<script src="//cdn.example/mathjax.js"></script>
<script>var s = "<img src='https://not.a.tag/x.png'>";</script>
<style>@font-face { src: url("https://fonts.example/a.woff2"); }</style>
<!-- <script src="https://commented.out/x.js"></script> -->
</head><body>
<a href="https://www.rust-lang.org/">Rust</a>
<img src="img/handshake.svg" alt="x"><img alt='y' src='http://example.com/p.png'>
<div style="background: url(//x.example/bg.png)"></div>
<pre><code>&lt;script src="https://in.code/x.js"&gt;</code></pre>
</body></html>"#;
        assert_eq!(
            urls(scan_markup(html)),
            vec![
                "<link href> https://cdn.example/katex.css",
                "<script src> //cdn.example/mathjax.js",
                "<style> url() https://fonts.example/a.woff2",
                "<img src> http://example.com/p.png",
                "<div style> url() //x.example/bg.png",
            ]
        );
    }

    #[test]
    fn finds_css_urls_and_imports() {
        let css = "@import 'https://fonts.example/css2?family=Open+Sans';\n\
                   @import url(local.css);\n\
                   .a { background: url( 'img/x.png' ) }\n\
                   @font-face { src: url(https://fonts.example/x.woff2) format('woff2'); }\n";
        assert_eq!(
            urls(scan_css(css, 0)),
            vec![
                "url() https://fonts.example/x.woff2",
                "@import https://fonts.example/css2?family=Open+Sans",
            ]
        );
    }

    #[test]
    fn svg_images_are_checked_too() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x/y.png"/><a href="https://ok/">k</a></svg>"#;
        assert_eq!(urls(scan_markup(svg)), vec!["<image href> https://x/y.png"]);
    }

    #[test]
    fn an_svgs_own_data_font_is_fine_and_one_from_a_host_is_not() {
        // As book/fonts/subset writes it: the `;` and `/` of the data: URL
        // end nothing.
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" font-family="'netkit CJK', sans-serif">
  <!-- netkit-font: written by book/fonts/subset -->
  <defs><style>
    @font-face { font-family: "netkit CJK"; src: url("data:font/otf;base64,T1RUTwAK+/8=") format("opentype"); unicode-range: U+4E00-9FFF; }
    @font-face { font-family: "b"; src: url(https://fonts.example/b.woff2), url('http://x/c.otf'); }
  </style></defs>
  <!-- /netkit-font -->
  <text>封装</text>
</svg>"#;
        assert_eq!(
            urls(scan_markup(svg)),
            vec![
                "<style> url() https://fonts.example/b.woff2",
                "<style> url() http://x/c.otf",
            ]
        );
    }

    #[test]
    fn scan_reports_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("css")).unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<p>ok</p>\n<script src=\"https://x/y.js\"></script>\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("css/a.css"),
            "a{}\n\nb { background: url(http://x/b.png) }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("book.js"), "fetch('https://play.example')").unwrap();
        let found: Vec<String> = scan(dir.path())
            .unwrap()
            .iter()
            .map(|f| f.to_string())
            .collect();
        assert_eq!(
            found,
            vec![
                "css/a.css:3: url() loads http://x/b.png",
                "index.html:2: <script src> loads https://x/y.js",
            ]
        );
    }
}
