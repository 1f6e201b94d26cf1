//! `cargo xtask dist --student OUT`: the student's hand-out, a copy of the kit
//! without the teacher's parts.
//!
//! Left out: `solutions/` (the reference), `mutants/` (known-wrong copies of
//! it), `.ci/` (the kit's own CI), `grading/` (the teacher's Gradescope and
//! Classroom files), build output and history, and `reset`'s backups
//! (`….rs.backup-…`, see [`crate::reset::is_backup`]). Rewritten, so
//! that the copy builds without them: the workspace's `Cargo.toml` (no
//! `solutions` member or dependency), `tests/Cargo.toml` (the feature
//! `solutions` selects nothing) and `tests/src/lib.rs` (the feature is a
//! compile error that says why), and every page of the book, whose
//! teacher-only regions (the reference solutions) are dropped, markers and
//! all. Hidden tests (kit.toml's `hidden`, in `…_hidden.rs` files: see
//! [`is_hidden_tests`]) are left out with their module lines. The README
//! gets a first paragraph saying what the copy is.
//!
//! Inside the copy, xtask sees that `solutions/` is missing ([`has_solutions`])
//! and answers every command that needs it with one clear line.
//!
//! Each rewrite looks for the exact text it replaces, and fails with the file
//! and the text when it is not there: a change to those files must come with
//! a change here, never with a hand-out that quietly still names the
//! reference.

use crate::manifest::teacher_only;
use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level entries of the kit that the hand-out never has: `grading/`
/// is the teacher's (Gradescope's and Classroom's files; the book's pages
/// on them are teacher-only).
const LEFT_OUT: &[&str] = &["target", ".git", "solutions", "mutants", ".ci", "grading"];

/// What the copy's commands say when asked for the reference.
pub const NO_SOLUTIONS: &str = "this copy of the kit has no reference solutions (it is the \
     student's hand-out, made by `cargo xtask dist`): `--solutions`, the teacher's edition of \
     the book, `mutants`, `new` and `dist` need the teacher's kit";

/// Whether the kit at `root` has its reference solutions (a teacher's kit)
/// or not (a student's hand-out).
pub fn has_solutions(root: &Path) -> bool {
    root.join("solutions/Cargo.toml").is_file()
}

/// Fails with [`NO_SOLUTIONS`] in a hand-out.
pub fn require_solutions(root: &Path) -> Result<()> {
    if has_solutions(root) {
        Ok(())
    } else {
        bail!("{NO_SOLUTIONS}")
    }
}

/// One exact edit of a file of the kit: `from` must be there, once.
struct Rewrite {
    file: &'static str,
    from: &'static str,
    to: &'static str,
}

const REWRITES: &[Rewrite] = &[
    Rewrite {
        file: "Cargo.toml",
        from: "    \"solutions\",\n",
        to: "",
    },
    Rewrite {
        file: "Cargo.toml",
        from: "default-members = [\"exercises\", \"solutions\", \"tests\", \"book/listings\"]",
        to: "default-members = [\"exercises\", \"tests\", \"book/listings\"]",
    },
    Rewrite {
        file: "Cargo.toml",
        from: "solutions = { path = \"solutions\" }\n",
        to: "",
    },
    Rewrite {
        file: "tests/Cargo.toml",
        from: "solutions = [\"dep:solutions\"]",
        to: "solutions = []",
    },
    Rewrite {
        file: "tests/Cargo.toml",
        from: "solutions = { workspace = true, optional = true }\n",
        to: "",
    },
    Rewrite {
        file: "tests/src/lib.rs",
        from: "pub use solutions as kit;",
        to: "compile_error!(\"this copy of the kit has no reference solutions: build without the feature `solutions`\");",
    },
];

/// The README's first lines in the hand-out, after its title.
const README_NOTE: &str = "> **This is the student's copy of the kit.** It has your exercises, \
     the tests, the book and the hints, and no reference solutions: `--solutions` and the \
     teacher's edition of the book are not in it. Start with `cargo xtask check chapter1`.\n";

/// Writes the hand-out of the kit at `root` into `out`, which must not exist
/// yet (or be an empty folder) and must not be inside the kit, not even in
/// its `target/`: cargo reads the `.cargo/config.toml` of every folder above
/// the one it runs in and merges them, so the kit's `xtask` alias would be
/// added to the copy's, and `cargo xtask` there would run `xtask run -q …`.
/// Returns how many files were written.
pub fn student(root: &Path, out: &Path) -> Result<usize> {
    if !has_solutions(root) {
        bail!("this kit is already a student's hand-out: make the hand-out from the teacher's kit");
    }
    let out = absolute(out)?;
    let root = root
        .canonicalize()
        .with_context(|| format!("resolving {}", root.display()))?;
    if out.starts_with(&root) {
        bail!(
            "{} is inside the kit: write the hand-out outside it (cargo would mix the kit's \
             settings, .cargo/config.toml, into the copy's)",
            out.display()
        );
    }
    if out.exists()
        && fs::read_dir(&out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} exists and is not an empty folder: the hand-out is written into a new one",
            out.display()
        );
    }
    let mut written = 0;
    copy(&root, &out, Path::new(""), &mut written)?;
    for rewrite in REWRITES {
        let path = out.join(rewrite.file);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if text.matches(rewrite.from).count() != 1 {
            bail!(
                "{} no longer has, once, the text the hand-out rewrites: {:?}. Update \
                 xtask/src/dist.rs with the file",
                rewrite.file,
                rewrite.from
            );
        }
        fs::write(&path, text.replacen(rewrite.from, rewrite.to, 1))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let readme = out.join("README.md");
    let text = fs::read_to_string(&readme).context("reading the README")?;
    let (title, rest) = text.split_once('\n').unwrap_or((&text, ""));
    fs::write(&readme, format!("{title}\n\n{README_NOTE}{rest}")).context("writing the README")?;
    // The lock file names the `solutions` package; cargo drops it on the
    // copy's first build, offline, as it does any package no longer there.
    Ok(written)
}

/// Copies `from/rel` into `to/rel`: every file but the left-out ones, and
/// each page of the book as the student's edition has it.
fn copy(from: &Path, to: &Path, rel: &Path, written: &mut usize) -> Result<()> {
    let dir = from.join(rel);
    fs::create_dir_all(to.join(rel))
        .with_context(|| format!("creating {}", to.join(rel).display()))?;
    let mut entries: Vec<_> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        if rel.as_os_str().is_empty() && LEFT_OUT.iter().any(|s| name == *s) {
            continue;
        }
        // A hand-out is made from a kit that may have been built or used:
        // no build output of the book, no stray database.
        if rel == Path::new("book") && name == "build" {
            continue;
        }
        // The teacher's pages (grading): SUMMARY.md lists them in a
        // teacher-only region, and the files they include (grading/) are
        // left out.
        if rel == Path::new("book/src") && name == "teacher" {
            continue;
        }
        let rel = rel.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy(from, to, &rel, written)?;
            continue;
        }
        // A student's (or the teacher's) earlier version kept by `reset`.
        if is_hidden_tests(&rel) || crate::reset::is_backup(&name) {
            continue;
        }
        let bytes =
            fs::read(from.join(&rel)).with_context(|| format!("reading {}", rel.display()))?;
        let bytes = if rel.starts_with("book/src") && rel.extension().is_some_and(|e| e == "md") {
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", rel.display()))?;
            teacher_only::student_text(&text)
                .map_err(|e| anyhow::anyhow!("{}:{}: {}", rel.display(), e.line, e.message))?
                .into_bytes()
        } else if rel.starts_with("tests/suite") && rel.extension().is_some_and(|e| e == "rs") {
            let text = String::from_utf8(bytes)
                .with_context(|| format!("{} is not UTF-8", rel.display()))?;
            without_hidden_modules(&text).into_bytes()
        } else {
            bytes
        };
        fs::write(to.join(&rel), bytes).with_context(|| format!("writing {}", rel.display()))?;
        *written += 1;
    }
    Ok(())
}

/// Whether `rel` is a file of hidden tests: `tests/suite/…/NAME_hidden.rs`.
///
/// The convention for tests kit.toml hides (`hidden = ["hidden::"]`): they
/// live in a file of their own beside the exercise's suite file, declared in
/// it as
///
/// ```ignore
/// #[path = "udp_dict_hidden.rs"]
/// mod hidden;
/// ```
///
/// so that they are named `ch1::udp_dict::hidden::…`, and the hand-out can
/// leave the file out and drop those two lines.
fn is_hidden_tests(rel: &Path) -> bool {
    rel.starts_with("tests/suite")
        && rel
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("_hidden.rs"))
}

/// A suite file without its declarations of hidden-test modules: each line
/// `#[path = "…_hidden.rs"]` and the `mod …;` line after it.
fn without_hidden_modules(text: &str) -> String {
    let mut kept = Vec::new();
    let mut skip_mod = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.starts_with("#[path") && trimmed.contains("_hidden.rs\"") {
            skip_mod = true;
            continue;
        }
        if skip_mod && trimmed.starts_with("mod ") {
            skip_mod = false;
            continue;
        }
        skip_mod = false;
        kept.push(line);
    }
    kept.concat()
}

fn absolute(path: &Path) -> Result<PathBuf> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small kit with every file the rewrites touch, each with the lines
    /// the real one has (the real kit is rewritten by check 7 of `test`).
    fn kit() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temp folder for the kit");
        let k = dir.path();
        for (file, text) in [
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\n    \"exercises\",\n    \"solutions\",\n    \"tests\",\n]\n\
                 default-members = [\"exercises\", \"solutions\", \"tests\", \"book/listings\"]\n\
                 [workspace.dependencies]\nexercises = { path = \"exercises\" }\n\
                 solutions = { path = \"solutions\" }\n",
            ),
            (
                "tests/Cargo.toml",
                "[features]\nsolutions = [\"dep:solutions\"]\n[dependencies]\n\
                 solutions = { workspace = true, optional = true }\n",
            ),
            (
                "tests/src/lib.rs",
                "#[cfg(not(feature = \"solutions\"))]\npub use exercises as kit;\n\
                 #[cfg(feature = \"solutions\")]\npub use solutions as kit;\n",
            ),
            ("README.md", "# netkit\n\nThe kit.\n"),
            ("solutions/Cargo.toml", "[package]\n"),
            ("solutions/src/lib.rs", "pub fn answer() {}\n"),
            ("mutants/x__wrong.patch", "--- a\n"),
            ("grading/gradescope/setup.sh", "#!/usr/bin/env bash\n"),
            (
                "book/src/teacher/index.md",
                "# For teachers\n{{#include ../../../grading/gradescope/setup.sh}}\n",
            ),
            ("exercises/src/lib.rs", "pub fn answer() { todo!() }\n"),
            (
                "exercises/src/lib.rs.backup-2026-12-01T19-20-57Z",
                "pub fn answer() { 42 }\n",
            ),
            (
                "book/src/ch1/x.md",
                "# X\n<!-- teacher-only -->\n{{#include ../../../solutions/src/lib.rs}}\n<!-- /teacher-only -->\nend\n",
            ),
            ("target/debug/big", "build output"),
            (
                "tests/suite/ch1/x.rs",
                "use a;\n#[path = \"x_hidden.rs\"]\nmod hidden;\n#[test]\nfn shown() {}\n",
            ),
            ("tests/suite/ch1/x_hidden.rs", "#[test]\nfn secret() {}\n"),
        ] {
            let to = k.join(file);
            fs::create_dir_all(to.parent().expect("a parent")).expect("folders");
            fs::write(to, text).expect("a file");
        }
        dir
    }

    #[test]
    fn the_hand_out_has_no_reference_and_names_none() {
        let kit = kit();
        let out = tempfile::tempdir().expect("a temp folder for the hand-out");
        let out = out.path().join("hand-out");
        student(kit.path(), &out).expect("the hand-out is written");
        for gone in [
            "solutions",
            "mutants",
            "target",
            "grading",
            "book/src/teacher",
        ] {
            assert!(
                !out.join(gone).exists(),
                "{gone}/ must not be in the hand-out"
            );
        }
        let page = fs::read_to_string(out.join("book/src/ch1/x.md")).expect("the page");
        assert_eq!(
            page, "# X\nend\n",
            "the page without its teacher-only region"
        );
        let workspace = fs::read_to_string(out.join("Cargo.toml")).expect("Cargo.toml");
        assert!(
            !workspace.contains("solutions"),
            "the workspace still names the solutions:\n{workspace}"
        );
        let readme = fs::read_to_string(out.join("README.md")).expect("README.md");
        assert!(
            readme.starts_with("# netkit\n\n> **This is the student's copy"),
            "the README says first what the copy is:\n{readme}"
        );
        let tests = fs::read_to_string(out.join("tests/Cargo.toml")).expect("tests/Cargo.toml");
        assert!(
            !tests.contains("dep:solutions") && !tests.contains("solutions = { workspace"),
            "tests/Cargo.toml still depends on the solutions:\n{tests}"
        );
        let lib = fs::read_to_string(out.join("tests/src/lib.rs")).expect("lib.rs");
        assert!(
            !lib.contains("pub use solutions") && lib.contains("compile_error!"),
            "tests/src/lib.rs still uses the solutions:\n{lib}"
        );
        assert!(
            out.join("exercises/src/lib.rs").exists()
                && !out
                    .join("exercises/src/lib.rs.backup-2026-12-01T19-20-57Z")
                    .exists(),
            "the exercises are in the hand-out, a backup of `reset` is not"
        );
        assert!(
            !out.join("tests/suite/ch1/x_hidden.rs").exists(),
            "the hidden tests' file must not be in the hand-out"
        );
        let suite = fs::read_to_string(out.join("tests/suite/ch1/x.rs")).expect("x.rs");
        assert_eq!(
            suite, "use a;\n#[test]\nfn shown() {}\n",
            "the suite file without its hidden module"
        );
        assert!(!has_solutions(&out), "a hand-out has no solutions");
        let again = student(
            &out,
            &tempfile::tempdir().expect("a folder").path().join("x"),
        );
        assert!(again.is_err(), "a hand-out of a hand-out is refused");
    }

    #[test]
    fn a_hand_out_is_never_written_over_a_folder_in_use_or_inside_the_kit() {
        let kit = kit();
        let full = tempfile::tempdir().expect("a folder");
        fs::write(full.path().join("keep"), "mine").expect("a file");
        let err = student(kit.path(), full.path()).expect_err("a folder with files is refused");
        assert!(
            err.to_string().contains("not an empty folder"),
            "got: {err}"
        );
        let err = student(kit.path(), &kit.path().join("book/out")).expect_err("inside the kit");
        assert!(err.to_string().contains("inside the kit"), "got: {err}");
    }
}
