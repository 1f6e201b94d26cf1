//! Check 7 of `test`: the student's hand-out. `dist --student` writes it to
//! a temporary folder outside the kit; it must hold nothing of the
//! reference, and `cargo xtask check chapter1` must work inside it, with
//! `--solutions` answered by one clear line. Its builds go to the kit's
//! `target/hand-out/target`, kept from one run to the next, so that only the
//! first run builds the dependencies (the copy's own crates, written afresh,
//! are rebuilt each time).

use super::Tally;
use crate::dist;
use crate::manifest::{Manifest, teacher_only};
use crate::suite::cargo;
use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

/// What no page or listing of a hand-out's book may hold: a path into the
/// reference (and no line may be a teacher-only region's marker).
const TELLTALE: &str = "solutions/src/";

pub fn check(root: &Path, tally: &mut Tally) -> Result<()> {
    let base = root.join("target/hand-out");
    // Outside the kit, as `dist` requires: cargo would merge the kit's
    // .cargo/config.toml into the copy's (see dist::student).
    let folder = tempfile::Builder::new()
        .prefix("netkit-hand-out-")
        .tempdir()
        .context("creating a temporary folder for the hand-out")?;
    let out = folder.path().join("kit");
    match dist::student(root, &out) {
        Ok(written) => tally.ok(format!(
            "`cargo xtask dist --student {}` wrote {written} files",
            out.display()
        )),
        Err(e) => {
            tally.fail(format!("`cargo xtask dist --student` failed: {e:#}"));
            return Ok(());
        }
    }
    let leaks = leaks(&out);
    tally.check(
        leaks.is_empty(),
        "no file of solutions/ or mutants/ in it, and no page that shows or names a solution",
        format!(
            "the hand-out still holds the reference:\n{}",
            leaks.join("\n")
        ),
    );

    let manifest = Manifest::load(&out)?;
    let chapter1: Vec<&str> = manifest
        .exercises
        .iter()
        .filter(|e| e.chapter == 1)
        .map(|e| e.id.as_str())
        .collect();
    let checked = xtask(&out, &base, &["check", "chapter1"])?;
    let said = String::from_utf8_lossy(&checked.stdout);
    let not_started = chapter1
        .iter()
        .filter(|id| {
            said.lines()
                .any(|l| l.contains(*id) && l.contains("not started"))
        })
        .count();
    tally.check(
        checked.status.code() == Some(1) && not_started == chapter1.len(),
        format!(
            "inside it, `cargo xtask check chapter1` says all {} exercises are not started",
            chapter1.len()
        ),
        format!(
            "inside the hand-out, `cargo xtask check chapter1` should exit with 1 and say each of \
             {chapter1:?} is not started; it exited with {} and said:\n{said}\n{}",
            checked.status,
            String::from_utf8_lossy(&checked.stderr)
        ),
    );
    let refused = xtask(&out, &base, &["check", "chapter1", "--solutions"])?;
    let err = String::from_utf8_lossy(&refused.stderr);
    tally.check(
        !refused.status.success() && err.contains(dist::NO_SOLUTIONS),
        "inside it, `--solutions` is answered: this copy has no reference solutions",
        format!(
            "inside the hand-out, `cargo xtask check chapter1 --solutions` should fail saying \
             {:?}; it exited with {} and said:\n{err}",
            dist::NO_SOLUTIONS,
            refused.status
        ),
    );
    Ok(())
}

/// `cargo xtask ARGS` inside the hand-out `out`, building in `base/target`.
fn xtask(out: &Path, base: &Path, args: &[&str]) -> Result<Output> {
    cargo()
        .current_dir(out)
        .env("CARGO_TARGET_DIR", base.join("target"))
        .arg("xtask")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running `cargo xtask {}` in the hand-out", args.join(" ")))
}

/// Every file of the reference in the hand-out, and every page or listing of
/// its book that shows or names one.
fn leaks(out: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for dir in ["solutions", "mutants"] {
        if out.join(dir).exists() {
            found.push(format!("{dir}/ is there"));
        }
    }
    for file in ["book/src", "book/listings"]
        .iter()
        .flat_map(|dir| files(&out.join(dir)))
    {
        let Ok(text) = fs::read_to_string(&file) else {
            continue; // a binary file: a capture, a database
        };
        if text.contains(TELLTALE) {
            found.push(format!("{} holds {TELLTALE:?}", shown(out, &file)));
        }
        // A page may name the markers in a sentence (the page on the two
        // editions does); a line that is one opens or closes a region.
        let open = teacher_only::OPEN;
        if text.lines().any(|line| line.trim() == open) {
            found.push(format!("{} holds a line {open:?}", shown(out, &file)));
        }
    }
    found
}

/// Every file under `dir`, but the builds' `target/`.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return all;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if entry.file_name() != "target" {
                all.extend(files(&path));
            }
        } else {
            all.push(path);
        }
    }
    all
}

fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
