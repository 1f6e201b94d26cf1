//! Scratch copies of the kit: its sources copied to `target/scratch/NAME/`,
//! with a target folder of their own inside, kept from one run to the next so
//! that cargo builds them incrementally (the dependencies stay built).
//!
//! `check` builds in one when a file of yours does not compile (the broken file
//! replaced by its stub, so every other exercise still runs); `mutants` builds
//! each known-wrong reference in one; the grader builds every submission in
//! one (`target/scratch/grade`), its `exercises/src` overlaid on the kit's. The copy is a plain folder: no link back to the kit, so nothing done
//! there can change the kit.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level entries of the kit that are never copied: build output and history.
const SKIP: &[&str] = &["target", ".git"];

/// A scratch copy of the kit.
#[derive(Debug)]
pub struct Scratch {
    root: PathBuf,
}

impl Scratch {
    /// Brings `kit/target/scratch/NAME` up to date with the kit: copies every
    /// file whose bytes differ, and removes what the kit no longer has. An
    /// unchanged file keeps its modification time, so cargo does not rebuild
    /// what did not change.
    pub fn sync(kit: &Path, name: &str) -> Result<Scratch> {
        Scratch::sync_with(kit, name, &BTreeMap::new())
    }

    /// [`Scratch::sync`], with some files' contents taken from `overlay`
    /// (paths from the kit's root) instead of the kit: a file there is
    /// written only when the copy's bytes differ from the overlay's (so a
    /// submission graded twice is not rebuilt), and one the kit lacks is
    /// added. The grader overlays a submission's `exercises/src`.
    pub fn sync_with(
        kit: &Path,
        name: &str,
        overlay: &BTreeMap<PathBuf, Vec<u8>>,
    ) -> Result<Scratch> {
        Scratch::sync_into(kit, &kit.join("target/scratch").join(name), overlay)
    }

    /// [`Scratch::sync_with`] into the folder `root` rather than under the
    /// kit's `target/scratch` (the grader, when the tests' user cannot
    /// reach the kit).
    pub fn sync_into(
        kit: &Path,
        root: &Path,
        overlay: &BTreeMap<PathBuf, Vec<u8>>,
    ) -> Result<Scratch> {
        let root = root.to_path_buf();
        fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        let mut wanted = BTreeSet::new();
        copy_tree(kit, &root, Path::new(""), overlay, &mut wanted)?;
        for (rel, bytes) in overlay {
            if wanted.insert(rel.clone()) {
                write_if_changed(&root.join(rel), bytes)?;
            }
            for parent in rel.ancestors().skip(1) {
                if !parent.as_os_str().is_empty() {
                    wanted.insert(parent.to_path_buf());
                }
            }
        }
        remove_others(&root, Path::new(""), &wanted)?;
        Ok(Scratch { root })
    }

    /// The copy's root: run cargo here.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Writes `contents` to `rel` (a path from the kit's root) in the copy,
    /// only if they differ from what is there.
    pub fn put(&self, rel: &Path, contents: &[u8]) -> Result<()> {
        write_if_changed(&self.root.join(rel), contents)
    }
}

fn write_if_changed(path: &Path, contents: &[u8]) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(path, contents).with_context(|| format!("writing {}", path.display()))
}

/// Copies `from/rel` into `to/rel`, recording every path copied in `wanted`.
fn copy_tree(
    from: &Path,
    to: &Path,
    rel: &Path,
    overlay: &BTreeMap<PathBuf, Vec<u8>>,
    wanted: &mut BTreeSet<PathBuf>,
) -> Result<()> {
    let dir = from.join(rel);
    let entries = fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        if rel.as_os_str().is_empty() && SKIP.iter().any(|s| name == *s) {
            continue;
        }
        let rel = rel.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            wanted.insert(rel.clone());
            copy_tree(from, to, &rel, overlay, wanted)?;
        } else if let Some(bytes) = overlay.get(&rel) {
            write_if_changed(&to.join(&rel), bytes)?;
            wanted.insert(rel);
        } else if kind.is_file() || kind.is_symlink() {
            // A link is copied as the file it points to: the copy stands alone.
            let Ok(bytes) = fs::read(from.join(&rel)) else {
                continue;
            };
            write_if_changed(&to.join(&rel), &bytes)?;
            wanted.insert(rel);
        }
    }
    Ok(())
}

/// Removes from `root/rel` whatever the kit does not have (but the copy's own
/// `target/`).
fn remove_others(root: &Path, rel: &Path, wanted: &BTreeSet<PathBuf>) -> Result<()> {
    let dir = root.join(rel);
    for entry in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if rel.as_os_str().is_empty() && SKIP.iter().any(|s| name == *s) {
            continue;
        }
        let rel = rel.join(&name);
        let path = root.join(&rel);
        if !wanted.contains(&rel) {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            }
            .with_context(|| format!("removing {}", path.display()))?;
        } else if entry.file_type()?.is_dir() {
            remove_others(root, &rel, wanted)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_changed_files_keeps_unchanged_ones_and_removes_the_rest() {
        let kit = tempfile::tempdir().expect("a temp folder for the kit");
        let k = kit.path();
        fs::create_dir_all(k.join("src")).expect("src");
        fs::create_dir_all(k.join("target/debug")).expect("target");
        fs::write(k.join("src/a.rs"), "a").expect("a.rs");
        fs::write(k.join("src/b.rs"), "b").expect("b.rs");
        fs::write(k.join("target/debug/big"), "not copied").expect("big");

        let scratch = Scratch::sync(k, "t").expect("first sync");
        let s = scratch.root().to_path_buf();
        assert_eq!(
            fs::read_to_string(s.join("src/a.rs")).ok().as_deref(),
            Some("a"),
            "a.rs copied"
        );
        assert!(
            !s.join("target/debug/big").exists(),
            "the kit's target/ must not be copied"
        );
        let before = fs::metadata(s.join("src/a.rs"))
            .and_then(|m| m.modified())
            .expect("mtime");

        fs::remove_file(k.join("src/b.rs")).expect("rm b.rs");
        fs::write(k.join("src/c.rs"), "c").expect("c.rs");
        fs::create_dir_all(s.join("target")).expect("scratch target");
        fs::write(s.join("target/keep"), "built").expect("keep");
        scratch.put(Path::new("src/a.rs"), b"a").expect("put same");
        Scratch::sync(k, "t").expect("second sync");

        let after = fs::metadata(s.join("src/a.rs"))
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(
            before, after,
            "an unchanged file must keep its mtime, or cargo rebuilds it"
        );
        assert!(
            !s.join("src/b.rs").exists(),
            "a file the kit no longer has must go"
        );
        assert!(s.join("src/c.rs").exists(), "a new file must be copied");
        assert!(
            s.join("target/keep").exists(),
            "the copy's own target/ must be kept"
        );
    }
}
