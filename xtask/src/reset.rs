//! `cargo xtask reset EXERCISE [--yes]`: an exercise's file back to its
//! stub, the student's version kept beside it.
//!
//! The contract:
//!
//! - The stub is the pristine copy `check` builds with
//!   ([`check::pristine_stub`], `xtask/stubs/<file>`), so reset works in the
//!   student's hand-out, which has no `solutions/`.
//! - Nothing is ever lost: before the file is overwritten, its bytes are
//!   copied to a backup beside it, `udp_dict.rs.backup-<UTC time>`
//!   ([`backup_candidate`]), created with `create_new`, so that it never
//!   replaces an earlier backup (two resets within a second get `…-2`,
//!   `…-3`). The build never reads it: it is no `.rs` file and no `mod`
//!   names it. `dist` leaves backups out of the hand-out ([`is_backup`]),
//!   `.gitignore` ignores them, and the grader, which copies a submission's
//!   `exercises/src` whole, compiles only what the modules name.
//! - A file that is already the stub, byte for byte, is left alone: no
//!   backup, no write, and it says so.
//! - A file that is missing is written from the stub, with nothing to keep.
//! - It asks first, on the terminal (`[y/N]`, naming the backup); `--yes`
//!   skips the question. Without `--yes` and with no terminal to ask on, it
//!   refuses and says to add `--yes`.
//! - An unknown name is refused as `hint` refuses it (the manifest's
//!   [`Manifest::select`] lists what exists); a chapter is refused too:
//!   reset takes one exercise at a time.

use crate::check;
use crate::manifest::{Exercise, Manifest};
use anyhow::{Context, Result, bail};
use std::fs;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a backup's name adds to the file's: `udp_dict.rs.backup-…`.
pub const BACKUP_MARK: &str = ".backup-";

/// Whether a file name is one of reset's backups (`udp_dict.rs.backup-…`):
/// never part of the build, never in the hand-out.
pub fn is_backup(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.contains(&format!(".rs{BACKUP_MARK}")))
}

/// The backup's name for `file` at `at`, the `n`th try (1 first):
/// `udp_dict.rs.backup-2026-12-02T14-15-03Z`, then `…Z-2`, `…Z-3`.
pub fn backup_candidate(file: &Path, at: SystemTime, n: u32) -> PathBuf {
    let stamp = crate::grade::regrade::timestamp(at);
    let suffix = if n <= 1 {
        stamp
    } else {
        format!("{stamp}-{n}")
    };
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!("{BACKUP_MARK}{suffix}"));
    file.with_file_name(name)
}

/// The first backup name for `file` at `at` that no file has yet: the one
/// the question names (the write itself never replaces one, see [`keep`]).
pub fn free_backup(file: &Path, at: SystemTime) -> PathBuf {
    (1..)
        .map(|n| backup_candidate(file, at, n))
        .find(|p| p.symlink_metadata().is_err())
        .expect("some name is free")
}

/// Copies `bytes` (the student's file) to the first free backup name of
/// `file`, created with `create_new`: an existing backup is never replaced,
/// even by a reset running at the same time. Returns the backup's path.
pub fn keep(file: &Path, bytes: &[u8], at: SystemTime) -> Result<PathBuf> {
    for n in 1.. {
        let backup = backup_candidate(file, at, n);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&backup)
        {
            Ok(mut out) => {
                out.write_all(bytes)
                    .and_then(|()| out.sync_all())
                    .with_context(|| format!("writing the backup {}", backup.display()))?;
                return Ok(backup);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("creating the backup {}", backup.display()));
            }
        }
    }
    unreachable!("1.. never ends")
}

/// Where a file stands against its stub.
#[derive(Debug, PartialEq, Eq)]
pub enum Before {
    /// Byte for byte the stub: nothing to do.
    Pristine,
    /// Not there: written from the stub, nothing to keep.
    Missing,
    /// The student's version, to keep before it is overwritten.
    Changed(Vec<u8>),
}

/// Reads `file` and compares it with `stub`.
pub fn before(file: &Path, stub: &[u8]) -> Result<Before> {
    match fs::read(file) {
        Ok(bytes) if bytes == stub => Ok(Before::Pristine),
        Ok(bytes) => Ok(Before::Changed(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Before::Missing),
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    }
}

/// What [`restore`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    /// The file was the stub already: nothing written.
    AlreadyStub,
    /// The stub written; the student's version kept at `backup` (`None`
    /// when the file was missing).
    Reset { backup: Option<PathBuf> },
}

/// Puts `stub` in `file`'s place, keeping what was there first ([`keep`]);
/// writes nothing when `file` is the stub already. No question asked: that
/// is [`command`]'s.
pub fn restore(file: &Path, stub: &[u8], at: SystemTime) -> Result<Done> {
    let backup = match before(file, stub)? {
        Before::Pristine => return Ok(Done::AlreadyStub),
        Before::Missing => None,
        Before::Changed(bytes) => Some(keep(file, &bytes, at)?),
    };
    fs::write(file, stub).with_context(|| format!("writing {}", file.display()))?;
    Ok(Done::Reset { backup })
}

/// The exercise `id` names, or the same refusal as `hint`'s for a name that
/// is none (a list of what exists), or for a chapter.
fn exercise<'m>(manifest: &'m Manifest, id: &str) -> Result<&'m Exercise> {
    if let Some(exercise) = manifest.exercise(id) {
        return Ok(exercise);
    }
    // `select` explains what exists.
    manifest.select(id)?;
    bail!(
        "`{id}` is a chapter, not an exercise: reset takes one exercise at a time \
         (`cargo xtask reset udp-dict`)"
    )
}

/// `cargo xtask reset ID [--yes]`: returns whether the file is the stub at
/// the end (false when the student answered no).
pub fn command(root: &Path, manifest: &Manifest, id: &str, yes: bool) -> Result<bool> {
    let exercise = exercise(manifest, id)?;
    let stub_path = check::pristine_stub(root, exercise);
    let stub = fs::read(&stub_path).with_context(|| {
        format!(
            "reading {}, the stub of {id}: the kit has no pristine copy of it",
            shown(root, &stub_path)
        )
    })?;
    let file = exercise.stub_path(root);
    let name = check::student_file(exercise);
    let at = SystemTime::now();
    let planned = match before(&file, &stub)? {
        Before::Pristine => {
            println!("{name} is already its stub: nothing to reset, nothing written.");
            return Ok(true);
        }
        Before::Missing => None,
        Before::Changed(_) => Some(free_backup(&file, at)),
    };
    if !yes {
        let question = match &planned {
            Some(backup) => format!(
                "reset {name} to its stub? your version is kept as {} [y/N] ",
                shown(root, backup)
            ),
            None => format!("{name} is missing: write its stub? [y/N] "),
        };
        let no_terminal = format!(
            "reset overwrites {name}, and stdin is not a terminal to ask on: add --yes \
             (`cargo xtask reset {id} --yes`) to reset it anyway; your version is kept \
             in a backup beside it"
        );
        if !ask(&question, &no_terminal)? {
            println!("Not reset: {name} is as it was.");
            return Ok(false);
        }
    }
    match restore(&file, &stub, at)? {
        Done::AlreadyStub => println!("{name} is already its stub: nothing to reset."),
        Done::Reset { backup: None } => println!("Wrote {name} from its stub."),
        Done::Reset {
            backup: Some(backup),
        } => {
            let backup = shown(root, &backup);
            println!("Reset {name} to its stub.");
            println!("Your version is kept in {backup}; to bring it back:");
            println!("  {}", bring_back(root, &backup, &name));
        }
    }
    Ok(true)
}

/// The command that puts the backup back: from the kit's root as typed, or
/// with the root's path when `cargo xtask` runs in a folder below it.
fn bring_back(root: &Path, backup: &str, file: &str) -> String {
    let cp = format!("cp {backup} {file}");
    match std::env::current_dir() {
        Ok(here) if here == root => cp,
        _ => format!("cd {} && {cp}", root.display()),
    }
}

/// Asks `question` on the terminal; true for `y` or `yes`. Fails with
/// `no_terminal` when stdin is no terminal: nobody could answer, and a
/// script must say `--yes`.
fn ask(question: &str, no_terminal: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("{no_terminal}");
    }
    eprint!("{question}");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .context("reading the answer")?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}

/// `path` from the kit's root, as the student sees it.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// date -u -d @1796152857 → Tue Dec  1 19:20:57 UTC 2026
    fn at() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_152_857)
    }

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn reset_writes_the_stub_and_keeps_the_students_version_beside_it() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let file = dir.path().join("udp_dict.rs");
        fs::write(&file, "mine").expect("the student's file");
        let done = restore(&file, b"stub", at()).expect("reset");
        let backup = dir.path().join("udp_dict.rs.backup-2026-12-01T19-20-57Z");
        assert_eq!(
            done,
            Done::Reset {
                backup: Some(backup.clone())
            },
            "a changed file is reset, with a backup named for the UTC time"
        );
        assert_eq!(
            fs::read_to_string(&file).expect("the file"),
            "stub",
            "the file is the stub now"
        );
        assert_eq!(
            fs::read_to_string(&backup).expect("the backup"),
            "mine",
            "the backup holds the student's version"
        );
        assert!(
            is_backup(backup.file_name().expect("a name")),
            "the backup is seen as one (dist leaves it out)"
        );
        assert!(
            !is_backup(file.file_name().expect("a name")),
            "the exercise's file is no backup"
        );
    }

    #[test]
    fn a_file_that_is_already_the_stub_is_not_written() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let file = dir.path().join("udp_dict.rs");
        fs::write(&file, "stub").expect("the stub");
        let modified = fs::metadata(&file)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(
            restore(&file, b"stub", at()).expect("reset"),
            Done::AlreadyStub,
            "nothing to do"
        );
        assert_eq!(names(dir.path()), ["udp_dict.rs"], "no backup made");
        assert_eq!(
            fs::metadata(&file)
                .and_then(|m| m.modified())
                .expect("mtime"),
            modified,
            "the file is not written again"
        );
    }

    #[test]
    fn two_resets_keep_two_backups_and_never_replace_one() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let file = dir.path().join("udp_dict.rs");
        fs::write(&file, "first try").expect("the student's file");
        restore(&file, b"stub", at()).expect("the first reset");
        fs::write(&file, "second try").expect("written again");
        // The same second: the second backup takes the next name.
        assert_eq!(
            free_backup(&file, at()),
            dir.path().join("udp_dict.rs.backup-2026-12-01T19-20-57Z-2"),
            "the question names the next free backup"
        );
        restore(&file, b"stub", at()).expect("the second reset");
        assert_eq!(
            names(dir.path()),
            [
                "udp_dict.rs",
                "udp_dict.rs.backup-2026-12-01T19-20-57Z",
                "udp_dict.rs.backup-2026-12-01T19-20-57Z-2",
            ],
            "two backups beside the file"
        );
        let read = |name: &str| fs::read_to_string(dir.path().join(name)).expect("a backup");
        assert_eq!(
            read("udp_dict.rs.backup-2026-12-01T19-20-57Z"),
            "first try",
            "the first backup is untouched"
        );
        assert_eq!(
            read("udp_dict.rs.backup-2026-12-01T19-20-57Z-2"),
            "second try",
            "the second holds the second version"
        );
    }

    #[test]
    fn a_missing_file_is_written_from_the_stub_with_nothing_to_keep() {
        let dir = tempfile::tempdir().expect("a temp folder");
        let file = dir.path().join("udp_dict.rs");
        assert_eq!(
            restore(&file, b"stub", at()).expect("reset"),
            Done::Reset { backup: None },
            "nothing to keep"
        );
        assert_eq!(names(dir.path()), ["udp_dict.rs"], "no backup of nothing");
    }

    #[test]
    fn an_unknown_name_or_a_chapter_is_refused_like_hint_refuses_it() {
        let xtask = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets it");
        let root = Path::new(&xtask).parent().expect("xtask/ is in the kit");
        let manifest = Manifest::load(root).expect("the kit's kit.toml");
        let nope = command(root, &manifest, "nope", true).expect_err("no such exercise");
        let hint = crate::hint::hint(&manifest, "nope", None, false).expect_err("hint refuses it");
        assert_eq!(
            nope.to_string(),
            hint.to_string(),
            "the same message as `cargo xtask hint nope`"
        );
        let chapter = command(root, &manifest, "chapter1", true).expect_err("a chapter");
        assert!(
            chapter
                .to_string()
                .contains("is a chapter, not an exercise"),
            "got: {chapter}"
        );
    }
}
