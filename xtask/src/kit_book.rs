//! `cargo xtask book [--teacher] [--open] [ID]`, and the book check of
//! `cargo xtask test`: both run the book builder `kit-book` (book/builder),
//! which is built here, when one of them asks for it. mdBook is a dependency
//! of that crate alone, so a student's `check`, `hint`, `list` or `run` never
//! builds it.

use crate::manifest::Manifest;
use crate::progress;
use crate::suite::cargo;
use anyhow::{Result, bail};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Builds `kit-book` (incrementally: after the first time, in a moment) and
/// returns its executable.
pub fn builder(root: &Path) -> Result<PathBuf> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["build", "-p", "kit-book", "--bin", "kit-book"])
        .args(["--message-format", "json-render-diagnostics"])
        .stdin(Stdio::null());
    let output = progress::output(&mut command, "the book's renderer (mdBook)")?;
    let executable = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "kit-book")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    match executable {
        Some(executable) if output.status.success() => Ok(executable),
        // The compiler's messages were rendered on stderr, which the
        // terminal has already shown.
        _ => bail!(
            "the book builder (book/builder) did not build:\n{}",
            String::from_utf8_lossy(&output.stderr).trim_end()
        ),
    }
}

/// The command that runs `kit-book` on the kit at `root`.
fn kit_book(executable: &Path, root: &Path, teacher: bool) -> Command {
    let mut command = Command::new(executable);
    command.arg("--root").arg(root);
    if teacher {
        command.arg("--teacher");
    }
    command
}

/// `cargo xtask book`: builds one edition, then points at (or, with `open`,
/// opens) the first page, or the page of `what` (an exercise or a chapter).
/// Replaces this process with `kit-book`, whose output and exit status are
/// the command's.
pub fn book(
    root: &Path,
    manifest: &Manifest,
    teacher: bool,
    open: bool,
    what: Option<&str>,
) -> Result<()> {
    // A name that is no exercise or chapter is refused before mdBook builds.
    let page = what.map(|what| page_of(manifest, what)).transpose()?;
    let mut command = kit_book(&builder(root)?, root, teacher);
    if let Some(page) = page {
        command.arg("--page").arg(page);
    }
    if open {
        command.arg("--open");
    }
    let error = command.exec();
    bail!("could not start the book builder: {error}")
}

/// The page under book/src of an exercise or a chapter the kit has.
fn page_of(manifest: &Manifest, what: &str) -> Result<String> {
    if let Some(exercise) = manifest.exercise(what) {
        return Ok(exercise.page.clone());
    }
    if let Some(chapter) = manifest.chapters_here().find(|c| c.id == what) {
        return Ok(chapter.page.clone());
    }
    // `select` says what a chapter to come will teach, or what exists.
    manifest.select(what)?;
    bail!("`{what}` names no page: give an exercise (`udp-dict`) or a chapter (`chapter1`)")
}

/// One edition, built and checked by `kit-book` for `cargo xtask test`:
/// `Ok` with where the book is (`file://…/index.html`), or `Err` with its error.
pub fn edition(executable: &Path, root: &Path, teacher: bool) -> Result<Result<String, String>> {
    let output = kit_book(executable, root, teacher)
        .stdin(Stdio::null())
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stdout = stdout.trim();
    let stdout = stdout
        .strip_prefix("The book is at ")
        .unwrap_or(stdout)
        .to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    Ok(if output.status.success() {
        Ok(stdout)
    } else {
        Err(stderr)
    })
}
