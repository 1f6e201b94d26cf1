//! What the grader takes from a submission: the files of its
//! `exercises/src`, and nothing else.
//!
//! A submission is a student's whole copy of the kit (`PATH/exercises/src`)
//! or a copy of its `exercises/` folder (`PATH/src/lib.rs`). Its
//! `Cargo.toml`s, `build.rs`, `tests/`, `xtask/` and `kit.toml` are never
//! read: the tests, the harness, the dependencies and the points are the
//! teacher's. Only regular files are taken (a symbolic link could name a
//! file of the teacher's machine, which the grader would copy as its own).

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// A file larger than this is not source code: the submission is refused.
const MAX_FILE: u64 = 1 << 20;

/// The submission's source files, keyed by their path from the kit's root
/// (`exercises/src/ch1/udp_dict.rs`).
pub fn files(submission: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let src = if submission.join("exercises/src").is_dir() {
        submission.join("exercises/src")
    } else if submission.join("src/lib.rs").is_file() {
        submission.join("src")
    } else {
        bail!(
            "{} is not a submission: it holds neither exercises/src (a student's copy of the \
             kit) nor src/lib.rs (a copy of its exercises/ folder)",
            submission.display()
        );
    };
    let mut files = BTreeMap::new();
    collect(&src, Path::new(""), &mut files)?;
    if files.is_empty() {
        bail!("{} holds no files", src.display());
    }
    Ok(files)
}

fn collect(src: &Path, rel: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) -> Result<()> {
    let dir = src.join(rel);
    for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let rel = rel.join(entry.file_name());
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(src, &rel, files)?;
        } else if kind.is_file() {
            let path = src.join(&rel);
            let size = entry.metadata()?.len();
            if size > MAX_FILE {
                bail!(
                    "{} is {size} bytes: no source file is that large",
                    path.display()
                );
            }
            let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            files.insert(Path::new("exercises/src").join(rel), bytes);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_exercises_src_and_no_links() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let kit = dir.path();
        fs::create_dir_all(kit.join("exercises/src/ch1")).unwrap();
        fs::create_dir_all(kit.join("tests/suite")).unwrap();
        fs::write(kit.join("exercises/src/lib.rs"), "pub mod ch1;").unwrap();
        fs::write(kit.join("exercises/src/ch1/a.rs"), "mine").unwrap();
        fs::write(kit.join("exercises/Cargo.toml"), "[package]").unwrap();
        fs::write(kit.join("tests/suite/main.rs"), "edited tests").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", kit.join("exercises/src/ch1/b.rs")).unwrap();
        let taken = files(kit).expect("a kit's copy is a submission");
        let names: Vec<_> = taken.keys().map(|p| p.display().to_string()).collect();
        assert_eq!(
            names,
            ["exercises/src/ch1/a.rs", "exercises/src/lib.rs"],
            "only exercises/src's regular files, never Cargo.toml, tests/ or a link"
        );
        let only = files(&kit.join("exercises")).expect("exercises/ alone is a submission");
        assert_eq!(only.len(), 2, "the same files from a copy of exercises/");
        assert!(
            files(&kit.join("tests")).is_err(),
            "tests/ is no submission"
        );
    }
}
