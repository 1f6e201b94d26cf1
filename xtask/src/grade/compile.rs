//! Building a submission's suite in the grader's scratch copy, with each
//! file that does not compile replaced, so that one broken exercise scores
//! zero and does not sink the rest.
//!
//! The mechanism is `check`'s: a compile error belongs to the exercise in
//! whose file it is, or whose tests no longer compile against it
//! ([`crate::check::owner`]), and that file is replaced by its pristine
//! stub (`xtask/stubs/`). A file of `exercises/src` that is no exercise's
//! (a `mod.rs`, `lib.rs`, the given `ch3/line_echo.rs`) is replaced by the
//! teacher's own copy. Then the suite is built again, until it builds or an
//! error remains that no replacement can fix.

use crate::check::{self, pristine_stub};
use crate::manifest::Manifest;
use crate::scratch::Scratch;
use crate::suite::{self, Diagnostic, Kit};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A suite that built, and what had to be replaced for it.
#[derive(Debug)]
pub struct Built {
    pub executable: PathBuf,
    /// Per exercise whose file was replaced: the compiler's messages.
    pub broken: BTreeMap<String, Vec<Diagnostic>>,
    /// The submission's files replaced, from the kit's root.
    pub replaced: Vec<String>,
}

/// Builds the suite in `copy`; `root` is the teacher's kit (the stubs and
/// the given files come from it).
pub fn build(root: &Path, manifest: &Manifest, copy: &Scratch) -> Result<Built> {
    let mut broken: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    let mut replaced: Vec<String> = Vec::new();
    // Each round replaces at least one file, so this ends.
    loop {
        let build = suite::build(copy.root(), Kit::Exercises)?;
        if let Some(executable) = build.executable {
            return Ok(Built {
                executable,
                broken,
                replaced,
            });
        }
        let mut newly: Vec<(String, PathBuf)> = Vec::new();
        let mut unfixable: Vec<Diagnostic> = Vec::new();
        for error in build.errors() {
            let error = check::relocated(error, copy.root(), Path::new(""));
            let (file, with) = match check::owner(manifest, &error) {
                Some(exercise) => {
                    broken
                        .entry(exercise.id.clone())
                        .or_default()
                        .push(error.clone());
                    (check::student_file(exercise), pristine_stub(root, exercise))
                }
                None => match error.file.as_deref() {
                    Some(f) if f.starts_with("exercises/src/") => (f.to_string(), root.join(f)),
                    _ => {
                        unfixable.push(error);
                        continue;
                    }
                },
            };
            if replaced.contains(&file) || !with.is_file() {
                unfixable.push(error);
            } else if !newly.iter().any(|(f, _)| *f == file) {
                newly.push((file, with));
            }
        }
        if newly.is_empty() {
            let shown: Vec<String> = unfixable
                .iter()
                .take(3)
                .map(|d| d.rendered.clone())
                .collect();
            bail!(
                "the suite does not build even with the broken files replaced ({}); \
                 the compiler says:\n{}",
                if replaced.is_empty() {
                    "none could be".to_string()
                } else {
                    replaced.join(", ")
                },
                shown.join("\n")
            );
        }
        for (file, with) in newly {
            let bytes =
                std::fs::read(&with).with_context(|| format!("reading {}", with.display()))?;
            copy.put(Path::new(&file), &bytes)?;
            replaced.push(file);
        }
    }
}
