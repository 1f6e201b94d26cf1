//! `cargo xtask run [--solutions] [--release] PROGRAM [ARGS…]`: a server, client or demo.
//!
//! The exercises' programs are subcommands of the runner binary `netkit`
//! (tests/src/programs), built against your code or, with `--solutions`, the
//! reference. The book's demos are the binaries of `book/listings`.

use crate::manifest::Manifest;
use crate::suite::{Kit, cargo};
use anyhow::{Result, bail};
use std::os::unix::process::CommandExt;
use std::path::Path;

/// Every program `run` knows: the runner's (the exercises', then each
/// chapter's own), then the listings'.
pub fn programs(root: &Path, manifest: &Manifest) -> (Vec<String>, Vec<String>) {
    let runner: Vec<String> = manifest
        .exercises
        .iter()
        .flat_map(|e| e.programs.iter().cloned())
        .chain(
            manifest
                .chapters
                .iter()
                .flat_map(|c| c.programs.iter().cloned()),
        )
        .collect();
    let mut listings: Vec<String> = std::fs::read_dir(root.join("book/listings/src/bin"))
        .map(|dir| {
            dir.filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "rs")
                    .then(|| path.file_stem()?.to_str().map(str::to_string))?
            })
            .collect()
        })
        .unwrap_or_default();
    listings.sort();
    (runner, listings)
}

/// The program and its arguments from `run`'s one positional (see
/// `Command::Run`): the first word, then the rest; a `--` right after the
/// program is dropped (`run PROGRAM -- ARGS` worked so before).
pub fn program_and_args(words: &[String]) -> (Option<&str>, &[String]) {
    match words.split_first() {
        None => (None, &[]),
        Some((program, rest)) => {
            let rest = rest.strip_prefix(&["--".to_string()][..]).unwrap_or(rest);
            (Some(program.as_str()), rest)
        }
    }
}

/// How `run` builds and starts a program (the flags of `cargo xtask run`).
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Your code or the reference solutions.
    pub kit: Kit,
    /// Show an error's causes and a backtrace.
    pub backtrace: bool,
    /// Build optimised (`cargo run --release`), for timing a program.
    pub release: bool,
}

/// Replaces this process with `cargo run … PROGRAM ARGS`, so that stdin,
/// stdout and Ctrl-C reach the program directly. A program's error is one
/// line on stderr unless `options.backtrace` (see `cargo xtask run --help`).
pub fn run(
    root: &Path,
    manifest: &Manifest,
    options: RunOptions,
    program: Option<&str>,
    args: &[String],
) -> Result<()> {
    let RunOptions {
        kit,
        backtrace,
        release,
    } = options;
    let (runner, listings) = programs(root, manifest);
    let mut command = cargo();
    command.current_dir(std::env::current_dir()?);
    if backtrace {
        command
            .env("NETKIT_BACKTRACE", "1")
            .env("RUST_BACKTRACE", "1");
    } else {
        // An error's backtrace is never shown then: do not capture one
        // (anyhow would, for every error, under the shell's RUST_BACKTRACE=1).
        command.env("RUST_LIB_BACKTRACE", "0");
    }
    command.args(["run", "-q"]);
    if release {
        command.arg("--release");
    }
    match program {
        Some(p) if runner.iter().any(|r| r == p) => {
            command
                .arg("--manifest-path")
                .arg(root.join("tests/Cargo.toml"))
                .args(["-p", "netkit-tests", "--bin", "netkit"])
                .args(kit.feature_args())
                .arg("--")
                .arg(p);
        }
        Some(p) if listings.iter().any(|l| l == p) => {
            command
                .arg("--manifest-path")
                .arg(root.join("book/listings/Cargo.toml"))
                .args(["-p", "listings", "--bin", p, "--"]);
        }
        _ => {
            eprintln!("Programs of the exercises (add --solutions to run the reference):");
            for p in &runner {
                eprintln!("  {p}");
            }
            eprintln!("Demonstration programs of the book:");
            for p in &listings {
                eprintln!("  {p}");
            }
            match program {
                Some(p) => bail!("there is no program `{p}`"),
                None => bail!("name a program: `cargo xtask run PROGRAM [ARGS…]`"),
            }
        }
    }
    command.args(args);
    let error = command.exec();
    bail!("could not start cargo: {error}")
}
