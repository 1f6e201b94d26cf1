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
//!
//! The build is confined ([`confinement`]): a submission's
//! `include_str!`, `include!` or `#[path]` may read only the system, the
//! toolchain, cargo's home and the grader's copy, never the teacher's tree
//! above it, which holds `solutions/`.

use super::landlock::{self, Ruleset};
use crate::check::{self, pristine_stub};
use crate::manifest::Manifest;
use crate::scratch::Scratch;
use crate::suite::{self, Diagnostic, Kit};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A suite that built, and what had to be replaced for it.
#[derive(Debug)]
pub struct Built {
    pub executable: PathBuf,
    /// Per exercise whose file was replaced: the compiler's messages.
    pub broken: BTreeMap<String, Vec<Diagnostic>>,
    /// The submission's files replaced, from the kit's root.
    pub replaced: Vec<String>,
    /// For the report: how the build was confined.
    pub isolation: String,
}

/// Builds the suite in `copy`; `root` is the teacher's kit (the stubs and
/// the given files come from it).
pub fn build(root: &Path, manifest: &Manifest, copy: &Scratch) -> Result<Built> {
    let mut broken: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    let mut replaced: Vec<String> = Vec::new();
    let (ruleset, isolation) = confinement(root, copy.root())?;
    let ruleset = ruleset.map(Arc::new);
    let build_tmp = copy.root().join("target/build-tmp");
    std::fs::create_dir_all(&build_tmp)
        .with_context(|| format!("creating {}", build_tmp.display()))?;
    // Each round replaces at least one file, so this ends.
    loop {
        let build = suite::build_with(copy.root(), Kit::Exercises, |command| {
            // The linker's temporary files: /tmp is not readable inside.
            command.env("TMPDIR", &build_tmp);
            // The copy's own target/, shared by the submissions, and the
            // only place the confined build may write: never the teacher's.
            command
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("CARGO_BUILD_TARGET_DIR");
            if let Some(ruleset) = ruleset.clone() {
                // SAFETY: restrict_self makes only system calls, no
                // allocation, between fork and exec.
                unsafe {
                    command.pre_exec(move || ruleset.restrict_self());
                }
            }
            Ok(())
        })?;
        if let Some(executable) = build.executable {
            return Ok(Built {
                executable,
                broken,
                replaced,
                isolation,
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

/// What the build may read (with Landlock), and a line for the report.
///
/// Allowed: the system's folders, cargo's home and rustup's (the registry's
/// sources, the toolchain), the toolchain that runs cargo, the grader's copy
/// `copy`, and the kit's `.cargo/config.toml`, which cargo reads on its way
/// up from the copy. Not the rest of the teacher's kit `root`. Without
/// Landlock, or when `root` lies inside an allowed folder, the build is not
/// confined, and the line says so.
pub fn confinement(root: &Path, copy: &Path) -> Result<(Option<Ruleset>, String)> {
    let Some(abi) = landlock::abi() else {
        return Ok((
            None,
            "the build NOT confined (no Landlock on this kernel): a submission can read files \
             of the grader's user at compile time"
                .into(),
        ));
    };
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let from_env = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default)))
    };
    let cargo_home = from_env("CARGO_HOME", ".cargo");
    let mut toolchain: Vec<PathBuf> = Vec::new();
    toolchain.extend(cargo_home.clone());
    toolchain.extend(from_env("RUSTUP_HOME", ".rustup"));
    // The cargo that runs (…/toolchains/NAME/bin/cargo): its toolchain.
    if let Some(cargo) = std::env::var_os("CARGO").map(PathBuf::from)
        && let Some(dir) = cargo.parent().and_then(Path::parent)
    {
        toolchain.push(dir.to_path_buf());
    }
    let mut ruleset = Ruleset::new(abi, false);
    for dir in landlock::SYSTEM
        .iter()
        .map(Path::new)
        .chain(toolchain.iter().map(PathBuf::as_path))
    {
        ruleset.allow_read(dir)?;
    }
    if let Some(open) = ruleset.allows_beneath(root) {
        return Ok((
            None,
            format!(
                "the build NOT confined: the kit lies inside {}, which the compiler must read",
                open.display()
            ),
        ));
    }
    // Where cargo and rustc write, and rename their outputs into place.
    ruleset.allow_all(copy)?;
    if let Some(cargo_home) = &cargo_home {
        ruleset.allow_all(cargo_home)?;
    }
    ruleset.allow_read(&root.join(".cargo/config.toml"))?;
    Ok((
        Some(ruleset),
        format!(
            "the build confined by Landlock (ABI {abi}) to reading the system, the toolchain and \
             the grader's copy"
        ),
    ))
}
