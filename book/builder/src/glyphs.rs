//! Every character of the built book must have a glyph in a font the book
//! ships, so that the Chinese terms and the diagrams' symbols show on a
//! machine without fonts for them (offline, as [`super::offline`] demands),
//! not as boxes.
//!
//! ASCII is left out: mdBook's own bundled fonts, Open Sans (text) and
//! Source Code Pro (code), draw it on every machine. Every other character
//! of a page's text (markup, scripts and styles stripped, entities decoded)
//! must be drawn by one of the `@font-face` rules of the book's own
//! stylesheets (book.toml's `additional-css`: book/fonts/netkit.css), from
//! the font file the rule loads and within its `unicode-range`, as the
//! browser would. netkit.css puts those fonts in both of mdBook's stacks,
//! text and code (after mdBook's own fonts, before the system's), so which
//! stack a character is in does not matter. book/fonts/subset writes them
//! from the book's sources.
//!
//! An SVG of the built book is shown with `<img>`, and an image can use
//! neither the page's fonts nor any file: each character beyond ASCII of an
//! SVG's text (its elements' text, `<title>` included) must be drawn by a
//! font the SVG itself embeds, an `@font-face` of one of its `<style>`s
//! whose `src` is a base64 `data:` URL, within its `unicode-range`, and
//! whose family one of the SVG's `font-family` attributes names (a font
//! nothing asks for is never used). book/fonts/subset writes those too.

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

/// What to do when a character has no glyph.
pub const FIX: &str = "run book/fonts/subset to rebuild the book's fonts from its sources \
     (book/fonts/README.md says where to get the two source fonts); a character \
     that no source holds (one mdBook makes) goes into the script's EXTRA";

/// A character of the built book that no font of the book draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The first page that has it, relative to the output folder.
    pub file: String,
    pub line: usize,
    pub character: char,
    /// How many other pages have it.
    pub elsewhere: usize,
    /// True if `file` is an SVG, which must draw it with a font of its own.
    pub in_svg: bool,
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {:?} (U+{:04X}) has no glyph in ",
            self.file,
            self.line,
            self.character,
            u32::from(self.character)
        )?;
        if self.in_svg {
            return write!(
                f,
                "the fonts the SVG embeds (an <img> cannot use the page's fonts): \
                 run book/fonts/subset"
            );
        }
        write!(f, "the book's fonts")?;
        match self.elsewhere {
            0 => Ok(()),
            1 => write!(f, " (and is on 1 other page)"),
            n => write!(f, " (and is on {n} other pages)"),
        }
    }
}

/// One `@font-face` of a stylesheet: its `font-family`, unquoted, the URLs
/// it loads, and its `unicode-range` (`None`: every character).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FontFace {
    family: Option<String>,
    urls: Vec<String>,
    ranges: Option<Vec<RangeInclusive<u32>>>,
}

/// A font file of the built book, with the characters its rule gives it.
pub struct BookFont {
    /// The file, relative to the output folder.
    pub file: String,
    data: Vec<u8>,
    ranges: Option<Vec<RangeInclusive<u32>>>,
}

impl BookFont {
    /// True if the font may draw `c` (its rule's `unicode-range`) and has a
    /// glyph for it (its `cmap`; glyph 0 is `.notdef`, the box).
    fn draws(&self, c: char) -> bool {
        let in_range = self
            .ranges
            .as_ref()
            .is_none_or(|ranges| ranges.iter().any(|r| r.contains(&u32::from(c))));
        in_range
            && ttf_parser::Face::parse(&self.data, 0)
                .ok()
                .and_then(|face| face.glyph_index(c))
                .is_some_and(|glyph| glyph.0 != 0)
    }
}

/// The fonts that `stylesheets` (book.toml's `additional-css`, relative to
/// `book_root`) load, read from the built book in `out`, where each
/// stylesheet's URLs resolve (mdBook copies a stylesheet to the same path
/// under `out`).
pub fn fonts(out: &Path, book_root: &Path, stylesheets: &[PathBuf]) -> Result<Vec<BookFont>> {
    let mut fonts = Vec::new();
    for sheet in stylesheets {
        let source = book_root.join(sheet);
        let css = std::fs::read_to_string(&source)
            .with_context(|| format!("reading {}", source.display()))?;
        let relative = sheet.strip_prefix(book_root).unwrap_or(sheet);
        let folder = out.join(relative.parent().unwrap_or(Path::new("")));
        for face in font_faces(&css) {
            for url in &face.urls {
                if url.starts_with("data:") || super::offline::is_external(url) {
                    continue; // the offline check reports an external one
                }
                let path = normalize(&folder.join(url));
                let file = path
                    .strip_prefix(out)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                let data = std::fs::read(&path).with_context(|| {
                    format!(
                        "{} loads the font {url}, which is not in the built book at {file} \
                         (the fonts go in book/src/fonts/, which mdBook copies to fonts/)",
                        source.display()
                    )
                })?;
                if let Err(err) = ttf_parser::Face::parse(&data, 0) {
                    bail!(
                        "{file}, loaded by {}, is no font the book builder can read ({err}): \
                         give an OpenType or TrueType file (.otf, .ttf), not a compressed one",
                        source.display()
                    );
                }
                fonts.push(BookFont {
                    file,
                    data,
                    ranges: face.ranges.clone(),
                });
            }
        }
    }
    Ok(fonts)
}

/// Every character of the `.html` pages under `out` that is neither ASCII
/// nor white space and that none of `fonts` draws, once each, at its first
/// page (print.html, every page in one, last); then, for each `.svg` under
/// `out`, every such character of its text that none of its own fonts
/// draws, once each per SVG.
pub fn scan(out: &Path, fonts: &[BookFont]) -> Result<Vec<Missing>> {
    let mut pages: Vec<PathBuf> = files_with(out, "html")?;
    let print = Some(std::ffi::OsStr::new("print.html"));
    pages.sort_by_key(|path| (path.file_name() == print, path.clone()));
    let mut drawn: BTreeMap<char, bool> = BTreeMap::new();
    let mut missing: BTreeMap<char, Missing> = BTreeMap::new();
    for path in pages {
        let html = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file = path
            .strip_prefix(out)
            .unwrap_or(&path)
            .display()
            .to_string();
        let mut seen_here = BTreeSet::new();
        for (offset, c) in text_of(&html) {
            if c.is_ascii() || c.is_whitespace() || !seen_here.insert(c) {
                continue;
            }
            if *drawn
                .entry(c)
                .or_insert_with(|| fonts.iter().any(|font| font.draws(c)))
            {
                continue;
            }
            missing
                .entry(c)
                .and_modify(|m| m.elsewhere += 1)
                .or_insert_with(|| Missing {
                    file: file.clone(),
                    line: html[..offset].matches('\n').count() + 1,
                    character: c,
                    elsewhere: 0,
                    in_svg: false,
                });
        }
    }
    let mut missing: Vec<Missing> = missing.into_values().collect();
    for path in files_with(out, "svg")? {
        let svg = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let file = path
            .strip_prefix(out)
            .unwrap_or(&path)
            .display()
            .to_string();
        missing.extend(scan_svg(&file, &svg)?);
    }
    missing.sort_by(|a, b| (&a.file, a.line, a.character).cmp(&(&b.file, b.line, b.character)));
    Ok(missing)
}

/// The files under `dir` whose name ends in `.{extension}`.
fn files_with(dir: &Path, extension: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == extension) {
                found.push(path);
            }
        }
    }
    Ok(found)
}

/// The characters of an SVG's text (beyond ASCII, not white space) that
/// none of the fonts it embeds draws, once each, at their first line. `file`
/// names the SVG in the report and in errors.
fn scan_svg(file: &str, svg: &str) -> Result<Vec<Missing>> {
    let named = font_families(svg);
    let mut fonts = Vec::new();
    for face in style_sheets(svg).iter().flat_map(|css| font_faces(css)) {
        // A font nothing names is never used, and one that is not in the SVG
        // (a URL to a file) an <img> cannot load.
        let Some(family) = &face.family else { continue };
        if !named.iter().any(|n| n.eq_ignore_ascii_case(family)) {
            continue;
        }
        for url in face.urls.iter().filter(|url| is_data_url(url)) {
            let data = data_url_bytes(url).with_context(|| {
                format!(
                    "{file}: the data: URL of its @font-face for \"{family}\" is not base64: \
                     run book/fonts/subset"
                )
            })?;
            if let Err(err) = ttf_parser::Face::parse(&data, 0) {
                bail!(
                    "{file}: its @font-face for \"{family}\" embeds no font the book builder \
                     can read ({err}): run book/fonts/subset"
                );
            }
            fonts.push(BookFont {
                file: file.to_string(),
                data,
                ranges: face.ranges.clone(),
            });
        }
    }
    let mut seen = BTreeSet::new();
    let mut missing = Vec::new();
    for (offset, c) in text_of(svg) {
        if c.is_ascii() || c.is_whitespace() || c == '\u{feff}' || !seen.insert(c) {
            continue;
        }
        if !fonts.iter().any(|font| font.draws(c)) {
            missing.push(Missing {
                file: file.to_string(),
                line: svg[..offset].matches('\n').count() + 1,
                character: c,
                elsewhere: 0,
                in_svg: true,
            });
        }
    }
    Ok(missing)
}

/// The contents of the `<style>` elements of an SVG (not commented out),
/// without a `<![CDATA[` wrapping.
fn style_sheets(svg: &str) -> Vec<&str> {
    let lower = svg.to_ascii_lowercase();
    let mut sheets = Vec::new();
    let mut at = 0;
    while let Some(n) = lower[at..].find('<') {
        let start = at + n;
        if lower[start..].starts_with("<!--") {
            at = lower[start..]
                .find("-->")
                .map_or(svg.len(), |e| start + e + 3);
            continue;
        }
        at = tag_end(svg, start);
        let is_style = lower[start + 1..]
            .strip_prefix("style")
            .is_some_and(|rest| rest.starts_with(|c: char| c == '>' || c.is_ascii_whitespace()));
        if is_style {
            let end = lower[at..].find("</style").map_or(svg.len(), |e| at + e);
            let css = svg[at..end].trim();
            let css = css
                .strip_prefix("<![CDATA[")
                .and_then(|css| css.strip_suffix("]]>"))
                .unwrap_or(css);
            sheets.push(css);
            at = end;
        }
    }
    sheets
}

/// The families that the `font-family` attributes of an SVG name, unquoted
/// (generic ones too).
fn font_families(svg: &str) -> Vec<String> {
    let mut families = Vec::new();
    let mut rest = svg;
    while let Some(n) = rest.find("font-family") {
        rest = &rest[n + "font-family".len()..];
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue; // a CSS declaration, `font-family: …`
        };
        let value = value.trim_start();
        let Some(quote) = value.chars().next().filter(|q| *q == '"' || *q == '\'') else {
            continue;
        };
        let Some((list, _)) = value[1..].split_once(quote) else {
            break;
        };
        families.extend(
            list.split(',')
                .map(|family| family.trim().trim_matches(['"', '\'']).to_string()),
        );
    }
    families
}

fn is_data_url(url: &str) -> bool {
    url.get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
}

/// The bytes of a base64 `data:` URL (`data:font/otf;base64,…`).
fn data_url_bytes(url: &str) -> Option<Vec<u8>> {
    let (meta, data) = url.get(5..)?.split_once(',')?;
    if !meta.to_ascii_lowercase().ends_with(";base64") {
        return None;
    }
    base64_decode(data)
}

/// Standard base64 (RFC 4648: `A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`), with or
/// without its `=` padding, white space skipped; `None` if it is not that.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut count) = (0u32, 0u32);
    let mut padded = false;
    for b in text.bytes() {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padded = true;
                continue;
            }
            b if b.is_ascii_whitespace() => continue,
            _ => return None,
        };
        if padded {
            return None; // data after the padding
        }
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push(u8::try_from(bits >> count).ok()?);
            bits &= (1 << count) - 1;
        }
    }
    // A last group of one character holds no whole byte.
    (count < 6).then_some(bytes)
}

/// `a/b/../c` as `a/c`, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                normal.pop();
            }
            std::path::Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// The text a reader sees in `html`, each character with its byte offset:
/// no tags (so no attribute values), comments, scripts or styles; entities
/// decoded. pulldown-cmark writes characters as themselves, so a named
/// entity comes only from HTML written in a page; one not in [`ENTITIES`]
/// is left as its (ASCII) text.
fn text_of(html: &str) -> Vec<(usize, char)> {
    let mut text = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while at < html.len() {
        let rest = &html[at..];
        if rest.starts_with("<!--") {
            at = rest.find("-->").map_or(html.len(), |n| at + n + 3);
        } else if rest.starts_with('<')
            && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c))
        {
            let end = tag_end(html, at);
            let name: String = lower[at + 1..end]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            at = end;
            if name == "script" || name == "style" {
                at = lower[at..]
                    .find(&format!("</{name}"))
                    .map_or(html.len(), |n| at + n);
            }
        } else if rest.starts_with('&')
            && let Some((c, len)) = entity(rest)
        {
            text.push((at, c));
            at += len;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            text.push((at, c));
            at += c.len_utf8();
        }
    }
    text
}

/// The offset just after the `>` that closes the tag opened at `start`
/// (a `>` inside a quoted attribute value does not close it).
fn tag_end(html: &str, start: usize) -> usize {
    let mut quote = None;
    for (i, b) in html.bytes().enumerate().skip(start + 1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), _) if q == b => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Named entities that stand for a character beyond ASCII.
const ENTITIES: &[(&str, char)] = &[
    ("nbsp", '\u{a0}'),
    ("copy", '©'),
    ("sect", '§'),
    ("middot", '·'),
    ("times", '×'),
    ("ndash", '–'),
    ("mdash", '—'),
    ("hellip", '…'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("larr", '←'),
    ("rarr", '→'),
    ("harr", '↔'),
    ("le", '≤'),
    ("ge", '≥'),
    ("ne", '≠'),
    ("minus", '−'),
    ("check", '✓'),
];

/// The entity at the start of `text` (`&#8594;`, `&#x2192;`, `&rarr;`) and
/// its length, if it is one that stands for a character beyond ASCII.
fn entity(text: &str) -> Option<(char, usize)> {
    let end = text.bytes().take(12).position(|b| b == b';')?;
    let body = &text[1..end];
    let c = if let Some(number) = body.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        char::from_u32(code)?
    } else {
        ENTITIES.iter().find(|(name, _)| *name == body)?.1
    };
    Some((c, end + 1))
}

/// The `@font-face` rules of a stylesheet.
fn font_faces(css: &str) -> Vec<FontFace> {
    let css = strip_comments(css);
    let mut faces = Vec::new();
    let mut at = 0;
    while let Some(n) = css[at..].find("@font-face") {
        let Some(open) = css[at + n..].find('{').map(|o| at + n + o + 1) else {
            break;
        };
        let close = css[open..].find('}').map_or(css.len(), |c| open + c);
        let mut face = FontFace {
            family: None,
            urls: Vec::new(),
            ranges: None,
        };
        for declaration in declarations(&css[open..close]) {
            let Some((name, value)) = declaration.split_once(':') else {
                continue;
            };
            match name.trim().to_ascii_lowercase().as_str() {
                "font-family" => {
                    face.family = Some(value.trim().trim_matches(['"', '\'']).to_string());
                }
                "src" => face.urls.extend(urls(value)),
                "unicode-range" => face.ranges = Some(unicode_range(value)),
                _ => {}
            }
        }
        faces.push(face);
        at = close;
    }
    faces
}

/// The declarations of a CSS block, split at each `;` outside quotes and
/// parentheses (a `data:font/otf;base64,…` URL holds one).
fn declarations(block: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let (mut start, mut depth, mut quote) = (0, 0u32, None);
    for (i, c) in block.char_indices() {
        match (quote, c) {
            (Some(q), _) if q == c => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, ';') if depth == 0 => {
                found.push(&block[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    found.push(&block[start..]);
    found
}

fn strip_comments(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The `url(…)`s of a `src` value, unquoted.
fn urls(value: &str) -> Vec<String> {
    value
        .split("url(")
        .skip(1)
        .filter_map(|part| part.split_once(')'))
        .map(|(url, _)| url.trim().trim_matches(['"', '\'']).to_string())
        .collect()
}

/// `U+4E00-9FFF, U+3000, U+4??` as code point ranges (a bad item is
/// skipped, as a browser skips it).
fn unicode_range(value: &str) -> Vec<RangeInclusive<u32>> {
    value
        .split(',')
        .filter_map(|item| {
            let item = item.trim();
            let item = item.strip_prefix(['U', 'u'])?.strip_prefix('+')?;
            let (first, last) = match item.split_once('-') {
                Some((first, last)) => (
                    u32::from_str_radix(first, 16).ok()?,
                    u32::from_str_radix(last, 16).ok()?,
                ),
                None => (
                    u32::from_str_radix(&item.replace('?', "0"), 16).ok()?,
                    u32::from_str_radix(&item.replace('?', "F"), 16).ok()?,
                ),
            };
            Some(first..=last)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TrueType font as small as ttf-parser reads: `head`, `hhea`, `maxp`
    /// and a `cmap` (format 12) that gives each of `chars` a glyph.
    fn tiny_font(chars: &[char]) -> Vec<u8> {
        let mut chars = chars.to_vec();
        chars.sort_unstable(); // the cmap's groups are searched in order
        let glyphs = u16::try_from(chars.len() + 1).unwrap();
        let mut cmap = Vec::new();
        cmap.extend(0u16.to_be_bytes()); // version
        cmap.extend(1u16.to_be_bytes()); // one subtable:
        cmap.extend(3u16.to_be_bytes()); // Windows,
        cmap.extend(10u16.to_be_bytes()); // full Unicode,
        cmap.extend(12u32.to_be_bytes()); // at offset 12
        cmap.extend(12u16.to_be_bytes()); // format 12
        cmap.extend(0u16.to_be_bytes());
        let groups = u32::try_from(chars.len()).unwrap();
        cmap.extend((16 + 12 * groups).to_be_bytes()); // length
        cmap.extend(0u32.to_be_bytes()); // language
        cmap.extend(groups.to_be_bytes());
        for (glyph, &c) in (1u32..).zip(&chars) {
            cmap.extend(u32::from(c).to_be_bytes());
            cmap.extend(u32::from(c).to_be_bytes());
            cmap.extend(glyph.to_be_bytes());
        }
        let mut head = vec![0u8; 54];
        head[..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        head[12..16].copy_from_slice(&0x5F0F_3CF5u32.to_be_bytes());
        head[18..20].copy_from_slice(&1000u16.to_be_bytes()); // units per em
        let mut hhea = vec![0u8; 36];
        hhea[..4].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        let mut maxp = 0x0000_5000u32.to_be_bytes().to_vec();
        maxp.extend(glyphs.to_be_bytes());
        let tables = [
            (b"cmap", cmap),
            (b"head", head),
            (b"hhea", hhea),
            (b"maxp", maxp),
        ];

        let mut font = Vec::new();
        font.extend(0x0001_0000u32.to_be_bytes());
        font.extend(4u16.to_be_bytes());
        font.extend([0u8; 6]); // search hints, unused
        let mut offset = 12 + 16 * tables.len();
        for (tag, data) in &tables {
            font.extend(*tag);
            font.extend(0u32.to_be_bytes()); // checksum, unchecked
            font.extend(u32::try_from(offset).unwrap().to_be_bytes());
            font.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
            offset += data.len().next_multiple_of(4);
        }
        for (_, data) in &tables {
            font.extend(data);
            font.resize(font.len().next_multiple_of(4), 0);
        }
        font
    }

    fn font(chars: &[char], ranges: Option<Vec<RangeInclusive<u32>>>) -> BookFont {
        BookFont {
            file: "fonts/tiny.ttf".into(),
            data: tiny_font(chars),
            ranges,
        }
    }

    #[test]
    fn a_character_with_a_glyph_is_drawn_and_one_without_is_not() {
        let font = font(&['封', '→'], None);
        assert!(font.draws('封'), "the font's cmap has it");
        assert!(font.draws('→'));
        assert!(!font.draws('装'), "the font has no glyph for it");
    }

    #[test]
    fn a_glyph_outside_the_unicode_range_does_not_count() {
        let font = font(&['封', '—'], Some(vec![0x4E00..=0x9FFF]));
        assert!(font.draws('封'));
        assert!(
            !font.draws('—'),
            "the browser takes the dash from another font"
        );
    }

    #[test]
    fn the_text_has_no_markup_scripts_or_styles_and_entities_decoded() {
        let html = "<html><head><title>T</title><style>p::after { content: \"✗\" }</style>\
            <script>let s = '<p>封</p>';</script></head><body>\
            <!-- 注 --><p title=\"标题\" data-x='a > b'>装&#x2192;&#8594;&rarr;&amp;&bogus;</p>\
            </body></html>";
        let text: String = text_of(html).into_iter().map(|(_, c)| c).collect();
        assert_eq!(text, "T装→→→&amp;&bogus;");
    }

    #[test]
    fn font_faces_gives_each_rules_urls_and_ranges() {
        let css = "/* @font-face { src: url(commented.otf) } */\n\
            @font-face { font-family: \"a\"; src: url(\"a.otf\") format(\"opentype\");\n\
              unicode-range: U+4E00-9FFF, U+3000, U+4??; }\n\
            html { font-family: a }\n\
            @font-face { src: local(B), url('../b.ttf'); }\n";
        assert_eq!(
            font_faces(css),
            vec![
                FontFace {
                    family: Some("a".into()),
                    urls: vec!["a.otf".into()],
                    ranges: Some(vec![0x4E00..=0x9FFF, 0x3000..=0x3000, 0x400..=0x4FF]),
                },
                FontFace {
                    family: None,
                    urls: vec!["../b.ttf".into()],
                    ranges: None,
                },
            ]
        );
    }

    /// A built book in `dir/out` whose stylesheet `dir/book/fonts/x.css`
    /// loads `fonts/tiny.ttf` (the characters `chars`) for CJK only.
    fn built_book(dir: &Path, chars: &[char], pages: &[(&str, &str)]) -> Vec<BookFont> {
        let write = |path: PathBuf, data: &[u8]| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        };
        write(
            dir.join("book/fonts/x.css"),
            b"@font-face { src: url(tiny.ttf); unicode-range: U+4E00-9FFF; }",
        );
        write(dir.join("out/fonts/tiny.ttf"), &tiny_font(chars));
        for (page, html) in pages {
            write(dir.join("out").join(page), html.as_bytes());
        }
        fonts(
            &dir.join("out"),
            &dir.join("book"),
            &[PathBuf::from("fonts/x.css")],
        )
        .unwrap()
    }

    #[test]
    fn scan_reports_each_character_without_a_glyph_once_with_page_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let fonts = built_book(
            dir.path(),
            &['封', '→'],
            &[
                ("ch1/a.html", "<p>ok</p>\n<p>封装 → done\u{a0}</p>\n"),
                ("ch1/b.html", "<p>装 again, 封</p>\n"),
                ("print.html", "<p>封装 →</p>\n"),
            ],
        );
        assert_eq!(fonts.len(), 1);
        assert_eq!(fonts[0].file, "fonts/tiny.ttf");
        let found: Vec<String> = scan(&dir.path().join("out"), &fonts)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            vec![
                "ch1/a.html:2: '→' (U+2192) has no glyph in the book's fonts \
                 (and is on 1 other page)",
                "ch1/a.html:2: '装' (U+88C5) has no glyph in the book's fonts \
                 (and is on 2 other pages)",
            ],
            "封 is drawn; → is in the font but outside its range; no-break space is space"
        );
    }

    #[test]
    fn a_font_missing_from_the_built_book_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        built_book(dir.path(), &[], &[]);
        std::fs::remove_file(dir.path().join("out/fonts/tiny.ttf")).unwrap();
        let err = fonts(
            &dir.path().join("out"),
            &dir.path().join("book"),
            &[PathBuf::from("fonts/x.css")],
        )
        .err()
        .expect("no font file");
        assert!(
            format!("{err:#}").contains("not in the built book at fonts/tiny.ttf"),
            "{err:#}"
        );
    }

    /// Standard base64 with padding, as book/fonts/subset writes it.
    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut text = String::new();
        for chunk in bytes.chunks(3) {
            let group = chunk
                .iter()
                .enumerate()
                .fold(0u32, |group, (i, &b)| group | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    text.push(char::from(ALPHABET[(group >> (18 - 6 * i) & 63) as usize]));
                } else {
                    text.push('=');
                }
            }
        }
        text
    }

    #[test]
    fn base64_decodes_with_or_without_padding_and_refuses_what_is_not() {
        assert_eq!(base64_decode("TWFu").unwrap(), b"Man");
        assert_eq!(base64_decode("TWE=").unwrap(), b"Ma");
        assert_eq!(base64_decode("TQ==").unwrap(), b"M");
        assert_eq!(base64_decode("TQ").unwrap(), b"M");
        assert_eq!(base64_decode("TW\nFu").unwrap(), b"Man", "white space");
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("TWFuT"), None, "a lone last character");
        assert_eq!(base64_decode("TQ==TQ"), None, "data after the padding");
        assert_eq!(base64_decode("TW-u"), None, "base64url is not base64");
        let font = tiny_font(&['封', '→']);
        assert_eq!(base64_decode(&base64(&font)).unwrap(), font);
        assert_eq!(
            data_url_bytes(&format!("data:font/otf;base64,{}", base64(b"OTTO"))).unwrap(),
            b"OTTO"
        );
        assert_eq!(data_url_bytes("data:text/plain,OTTO"), None);
    }

    #[test]
    fn a_declaration_ends_at_a_semicolon_outside_quotes_and_parentheses() {
        let css = "@font-face { font-family: \"netkit CJK\"; \
            src: url(\"data:font/otf;base64,AAAA\") format(\"opentype\"); \
            unicode-range: U+4E00-9FFF; }";
        assert_eq!(
            font_faces(css),
            vec![FontFace {
                family: Some("netkit CJK".into()),
                urls: vec!["data:font/otf;base64,AAAA".into()],
                ranges: Some(vec![0x4E00..=0x9FFF]),
            }]
        );
    }

    /// An SVG as book/fonts/subset writes it: `text` in the drawing, and
    /// `chars` in an embedded font of the family "netkit CJK" for CJK only,
    /// which the root's font-family names if `named`.
    fn svg(chars: &[char], named: bool, text: &str) -> String {
        let family = if named {
            "'netkit CJK', sans-serif"
        } else {
            "sans-serif"
        };
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" font-family=\"{family}\">\n  \
             <title>A drawing</title>\n  \
             <!-- netkit-font: written by book/fonts/subset -->\n  \
             <defs><style>\n    @font-face {{ font-family: \"netkit CJK\"; \
             src: url(\"data:font/otf;base64,{}\") format(\"opentype\"); \
             unicode-range: U+3000-33FF, U+4E00-9FFF; }}\n  </style></defs>\n  \
             <!-- /netkit-font -->\n  \
             <!-- <style>@font-face {{ src: url(x) }}</style> 注 -->\n{text}\n</svg>\n",
            base64(&tiny_font(chars))
        )
    }

    fn svg_report(file: &str, svg: &str) -> Vec<String> {
        scan_svg(file, svg)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn an_svg_must_draw_its_characters_with_the_font_it_embeds() {
        let drawing = "  <text>封装</text>\n  <text font-family=\"'netkit CJK', monospace\">\
                       装 → 包。</text>\n  <text>封</text>";
        assert_eq!(
            svg_report("img/x.svg", &svg(&['封', '装', '→', '。'], true, drawing)),
            vec![
                "img/x.svg:10: '→' (U+2192) has no glyph in the fonts the SVG embeds \
                 (an <img> cannot use the page's fonts): run book/fonts/subset",
                "img/x.svg:10: '包' (U+5305) has no glyph in the fonts the SVG embeds \
                 (an <img> cannot use the page's fonts): run book/fonts/subset",
            ],
            "封装。 are drawn; → is in the font but outside its range; the comment is no text"
        );
        assert_eq!(
            svg_report(
                "img/x.svg",
                &svg(&['封'], true, "<title>封 in the title</title>")
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            svg_report(
                "img/x.svg",
                &svg(&[], true, "<text>\u{a0}ASCII only</text>")
            ),
            Vec::<String>::new()
        );
    }

    #[test]
    fn an_svg_font_that_no_font_family_names_does_not_count() {
        assert_eq!(
            svg_report("img/x.svg", &svg(&['封'], false, "<text>封</text>")),
            vec![
                "img/x.svg:9: '封' (U+5C01) has no glyph in the fonts the SVG embeds \
                 (an <img> cannot use the page's fonts): run book/fonts/subset"
            ]
        );
        assert_eq!(
            font_families("<svg font-family=\"'netkit CJK', sans-serif\"><g font-family = 'a'>"),
            vec!["netkit CJK", "sans-serif", "a"]
        );
    }

    #[test]
    fn an_svg_font_that_does_not_decode_or_parse_is_an_error() {
        let good = svg(&['封'], true, "<text>封</text>");
        let base64 = good
            .split("base64,")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for (broken, why) in [
            (good.replace(base64, "AA!A"), "is not base64"),
            (
                good.replace(base64, "AAAA"),
                "embeds no font the book builder can read",
            ),
        ] {
            let err = scan_svg("img/x.svg", &broken).expect_err(why);
            let err = format!("{err:#}");
            assert!(err.starts_with("img/x.svg: "), "{err}");
            assert!(
                err.contains(why) && err.contains("run book/fonts/subset"),
                "{err}"
            );
        }
    }

    #[test]
    fn style_sheets_skips_comments_and_unwraps_cdata() {
        let svg = "<svg><!-- <style>a{}</style> --><style type=\"text/css\"><![CDATA[b{}]]></style>\
                   <styles/><STYLE>c{}</STYLE></svg>";
        assert_eq!(style_sheets(svg), vec!["b{}", "c{}"]);
    }

    #[test]
    fn scan_checks_the_svgs_of_the_built_book_against_their_own_fonts() {
        let dir = tempfile::tempdir().unwrap();
        let fonts = built_book(
            dir.path(),
            &['封', '装'],
            &[("ch1/a.html", "<p>封装</p>\n<img src=\"../img/a.svg\">\n")],
        );
        let write = |name: &str, text: &str| {
            let path = dir.path().join("out/img").join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("a.svg", &svg(&['封'], true, "<text>封装</text>"));
        write("b.svg", "<svg><text>装</text></svg>");
        write("c.svg", "<svg><text>ASCII</text></svg>");
        let found: Vec<String> = scan(&dir.path().join("out"), &fonts)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            vec![
                "img/a.svg:9: '装' (U+88C5) has no glyph in the fonts the SVG embeds \
                 (an <img> cannot use the page's fonts): run book/fonts/subset",
                "img/b.svg:1: '装' (U+88C5) has no glyph in the fonts the SVG embeds \
                 (an <img> cannot use the page's fonts): run book/fonts/subset",
            ],
            "the page's fonts draw 装 on the page, not in an image"
        );
    }

    #[test]
    fn the_kits_own_svgs_draw_every_character_with_their_own_fonts() {
        let img = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/img");
        let mut checked = 0;
        for path in files_with(&img, "svg").unwrap() {
            let svg = std::fs::read_to_string(&path).unwrap();
            let file = path.display().to_string();
            assert_eq!(
                scan_svg(&file, &svg).unwrap(),
                vec![],
                "{file}: run book/fonts/subset"
            );
            checked += 1;
        }
        assert!(checked > 0, "no SVG in {}", img.display());
    }
}
