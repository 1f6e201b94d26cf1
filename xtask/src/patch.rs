//! Unified diffs, as `git diff` prints them, applied in memory.
//!
//! A mutant (`mutants/*.patch`) is such a diff against the reference. xtask
//! applies it itself rather than calling `git apply` or `patch`: a kit needs
//! nothing but Rust, and the scratch copy it patches sits inside the kit's own
//! git work tree, where `git apply` would take the paths as the outer
//! repository's.

use anyhow::{Context, Result, bail};

/// The changes a diff makes to one file.
#[derive(Debug, Clone)]
pub struct FilePatch {
    /// The file, from the kit's root (`solutions/src/ch1/framing.rs`).
    pub path: String,
    hunks: Vec<Hunk>,
}

/// One `@@ -a,b +c,d @@` block: lines to find, and what replaces them.
#[derive(Debug, Clone)]
struct Hunk {
    /// Where the old lines start in the original, counted from 1.
    old_start: usize,
    old: Vec<String>,
    new: Vec<String>,
}

/// A diff: the text before its first file header (a mutant's description),
/// and the files it changes.
#[derive(Debug, Clone)]
pub struct Diff {
    pub preamble: String,
    pub files: Vec<FilePatch>,
}

/// Reads a unified diff. Only changes to existing files are accepted.
pub fn parse(text: &str) -> Result<Diff> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut preamble = String::new();
    let mut files: Vec<FilePatch> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(old) = line.strip_prefix("--- ") {
            let new = lines
                .get(i + 1)
                .and_then(|l| l.strip_prefix("+++ "))
                .with_context(|| format!("line {}: `--- …` without `+++ …` after it", i + 1))?;
            if old.trim_end() == "/dev/null" || new.trim_end() == "/dev/null" {
                bail!(
                    "line {}: the diff adds or removes a file; a mutant only changes existing files",
                    i + 1
                );
            }
            let path = new.trim_end();
            let path = path.strip_prefix("b/").unwrap_or(path).to_string();
            files.push(FilePatch {
                path,
                hunks: Vec::new(),
            });
            i += 2;
            continue;
        }
        if let Some(header) = line.strip_prefix("@@ ") {
            let file = files
                .last_mut()
                .with_context(|| format!("line {}: a hunk before any `--- a/…` header", i + 1))?;
            let (old_start, old_count, new_count) =
                hunk_header(header).with_context(|| format!("line {}: bad hunk header", i + 1))?;
            let mut hunk = Hunk {
                old_start,
                old: Vec::new(),
                new: Vec::new(),
            };
            i += 1;
            while (hunk.old.len() < old_count || hunk.new.len() < new_count) && i < lines.len() {
                let line = lines[i];
                // An empty line is an empty context line whose space was trimmed.
                let (tag, body) = match line.as_bytes().first() {
                    Some(b' ' | b'-' | b'+') => (line.as_bytes()[0], &line[1..]),
                    Some(b'\n') | None => (b' ', "\n"),
                    _ => bail!(
                        "line {}: the hunk ends early (expected {old_count} old and {new_count} new lines)",
                        i + 1
                    ),
                };
                let body = body.to_string();
                match tag {
                    b' ' => {
                        hunk.old.push(body.clone());
                        hunk.new.push(body);
                    }
                    b'-' => hunk.old.push(body),
                    _ => hunk.new.push(body),
                }
                i += 1;
                // `\ No newline at end of file` belongs to the line before it.
                if lines.get(i).is_some_and(|l| l.starts_with('\\')) {
                    strip_newline(&mut hunk, tag);
                    i += 1;
                }
            }
            file.hunks.push(hunk);
            continue;
        }
        if files.is_empty() && !line.starts_with("diff --git ") && !line.starts_with("index ") {
            preamble.push_str(line);
        }
        i += 1;
    }
    if files.is_empty() {
        bail!("no `--- a/…` / `+++ b/…` file header: this is not a unified diff");
    }
    Ok(Diff {
        preamble: preamble.trim().to_string(),
        files,
    })
}

/// After `\ No newline at end of file`: the line just read has no newline.
fn strip_newline(hunk: &mut Hunk, tag: u8) {
    let sides: &mut [&mut Vec<String>] = match tag {
        b' ' => &mut [&mut hunk.old, &mut hunk.new],
        b'-' => &mut [&mut hunk.old],
        _ => &mut [&mut hunk.new],
    };
    for side in sides.iter_mut() {
        if let Some(last) = side.last_mut()
            && last.ends_with('\n')
        {
            last.pop();
        }
    }
}

/// `-12,7 +12,8 @@ fn x()` → (12, 7, 8). A missing count means 1.
fn hunk_header(header: &str) -> Option<(usize, usize, usize)> {
    let mut parts = header.split_whitespace();
    let range = |s: &str| -> Option<(usize, usize)> {
        let (start, count) = s.split_once(',').unwrap_or((s, "1"));
        Some((start.parse().ok()?, count.parse().ok()?))
    };
    let (old_start, old_count) = range(parts.next()?.strip_prefix('-')?)?;
    let (_, new_count) = range(parts.next()?.strip_prefix('+')?)?;
    Some((old_start, old_count, new_count))
}

impl FilePatch {
    /// The original with every hunk applied. Each hunk's old lines must be
    /// found exactly; near the line the diff names, or anywhere after the
    /// previous hunk (the reference may have moved a little).
    pub fn apply(&self, original: &str) -> Result<String> {
        let mut lines: Vec<String> = original.split_inclusive('\n').map(str::to_string).collect();
        // Hunks are applied from the last to the first, so that line numbers
        // of the earlier ones still hold.
        for (n, hunk) in self.hunks.iter().enumerate().rev() {
            let want = hunk.old_start.saturating_sub(1);
            let at = find(&lines, &hunk.old, want).with_context(|| {
                format!(
                    "{}: hunk {} (near line {}) does not match the file; the reference changed since the mutant was made",
                    self.path,
                    n + 1,
                    hunk.old_start
                )
            })?;
            lines.splice(at..at + hunk.old.len(), hunk.new.iter().cloned());
        }
        Ok(lines.concat())
    }
}

/// Where `needle` occurs in `lines`, the nearest to `want` first.
fn find(lines: &[String], needle: &[String], want: usize) -> Option<usize> {
    if needle.len() > lines.len() {
        return None;
    }
    let last = lines.len() - needle.len();
    let fits = |at: usize| at <= last && lines[at..at + needle.len()] == *needle;
    (0..=lines.len()).find_map(|d| {
        [want.checked_sub(d), want.checked_add(d)]
            .into_iter()
            .flatten()
            .find(|&at| fits(at))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &str = "fn a() {\n    1\n}\n\nfn b() {\n    2\n}\n";

    /// (Not a `\`-continued literal: that would eat the context lines' spaces.)
    const DIFF: &str = concat!(
        "The length is read little-endian\n",
        "diff --git a/solutions/src/x.rs b/solutions/src/x.rs\n",
        "index 1..2 100644\n",
        "--- a/solutions/src/x.rs\n",
        "+++ b/solutions/src/x.rs\n",
        "@@ -1,3 +1,3 @@\n",
        " fn a() {\n",
        "-    1\n",
        "+    10\n",
        " }\n",
        "@@ -5,3 +5,4 @@ fn a() {\n",
        " fn b() {\n",
        "     2\n",
        "+    // more\n",
        " }\n",
    );

    #[test]
    fn reads_the_description_and_applies_every_hunk() {
        let diff = parse(DIFF).expect("a valid diff");
        assert_eq!(
            diff.preamble, "The length is read little-endian",
            "the text before the diff is the mutant's description"
        );
        assert_eq!(diff.files.len(), 1, "one file changed");
        assert_eq!(
            diff.files[0].path, "solutions/src/x.rs",
            "the b/ path, without b/"
        );
        let patched = diff.files[0].apply(ORIGINAL).expect("it applies");
        assert_eq!(
            patched, "fn a() {\n    10\n}\n\nfn b() {\n    2\n    // more\n}\n",
            "both hunks applied"
        );
    }

    #[test]
    fn finds_a_hunk_that_moved_and_refuses_one_that_changed() {
        let diff = parse(DIFF).expect("a valid diff");
        let moved = format!("// a new first line\n{ORIGINAL}");
        let patched = diff.files[0].apply(&moved).expect("a moved hunk is found");
        assert!(
            patched.contains("    10\n"),
            "the first hunk applied: {patched}"
        );
        let changed = ORIGINAL.replace("    2\n", "    3\n");
        let error = diff.files[0]
            .apply(&changed)
            .expect_err("a changed context must not match");
        assert!(
            format!("{error}").contains("hunk 2"),
            "the error names the hunk: {error}"
        );
    }

    #[test]
    fn keeps_a_missing_final_newline() {
        let diff = "x\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n";
        let diff = parse(diff).expect("a valid diff");
        assert_eq!(
            diff.files[0].apply("a\nb").expect("applies"),
            "a\nc",
            "no newline added"
        );
    }

    #[test]
    fn refuses_what_is_not_a_diff_or_adds_a_file() {
        assert!(parse("just words\n").is_err(), "no file header");
        let adds = "x\n--- /dev/null\n+++ b/new.rs\n@@ -0,0 +1 @@\n+fn f() {}\n";
        assert!(parse(adds).is_err(), "a mutant must not add files");
    }
}
