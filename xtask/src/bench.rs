//! `cargo xtask bench TARGET`: the kit's servers measured against well-kept
//! ones, on this machine, in one run. Each target is a program of the
//! runner (tests/src/programs/bench_*), built in release with the reference
//! solutions, the way `cargo xtask run --solutions --release` builds it (the
//! same flags, so the same build is reused). Chapter 5's `qps` and `c10k`
//! are to come as further targets.

use crate::suite::{Kit, cargo};
use anyhow::{Result, bail};
use clap::Subcommand;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::Path;

/// What `bench` measures.
#[derive(Debug, Subcommand)]
pub enum Target {
    /// Chapter 4's web server against nginx, by wrk, on a 1 KiB page and a 100 KiB file.
    ///
    /// Each server in turn, round after round: requests/s, p50 and p99,
    /// errors, and the ratio kit/nginx of the medians beside the chapter's
    /// targets (≥ 1.0× on the page, ≥ 0.8× on the file). Takes about
    /// 2 files × 2 servers × rounds × seconds (2 min by default). Needs wrk
    /// and nginx (`sudo apt-get install nginx-light wrk`): without them it
    /// says what is missing and measures what it can.
    Web(WebArgs),
}

/// `cargo xtask bench web [--seconds 10] [--connections 64] [--rounds 3] [--write]`
#[derive(Debug, clap::Args)]
pub struct WebArgs {
    /// How long each wrk run lasts, in seconds.
    #[arg(long, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub seconds: u32,
    /// How many connections wrk keeps open, on one thread (`wrk -t1 -cN`).
    #[arg(long, default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub connections: u32,
    /// How many times each server is loaded with each file, in turn; the
    /// table shows the medians.
    #[arg(long, default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=9))]
    pub rounds: u32,
    /// Also write the table to book/src/ch4/measured/web.md, which the
    /// book's web-server page includes (only when both servers were measured
    /// in every round).
    #[arg(long)]
    pub write: bool,
}

/// The file `bench web --write` writes, from the kit's root.
pub const WEB_TABLE: &str = "book/src/ch4/measured/web.md";

/// Replaces this process with `cargo run --release … netkit bench-…`, so
/// that the measurement's progress and Ctrl-C reach it directly.
/// `typed` is the command as the user typed it, for the table's first line.
pub fn bench(root: &Path, target: &Target, typed: &str) -> Result<()> {
    let mut command = cargo();
    command
        .current_dir(std::env::current_dir()?)
        // A program's error is one line, as with `cargo xtask run`.
        .env("RUST_LIB_BACKTRACE", "0")
        .args(runner_args(root, target, typed));
    let error = command.exec();
    bail!("could not start cargo: {error}")
}

/// cargo's arguments: build the runner as `run --solutions --release` does,
/// then the program's.
fn runner_args(root: &Path, target: &Target, typed: &str) -> Vec<OsString> {
    let mut args: Vec<OsString> = ["run", "--release", "--manifest-path"]
        .map(OsString::from)
        .to_vec();
    args.push(root.join("tests/Cargo.toml").into());
    args.extend(["-p", "netkit-tests", "--bin", "netkit"].map(OsString::from));
    args.extend(Kit::Solutions.feature_args().iter().map(OsString::from));
    args.push("--".into());
    match target {
        Target::Web(web) => {
            args.extend(
                [
                    "bench-web".to_string(),
                    format!("--seconds={}", web.seconds),
                    format!("--connections={}", web.connections),
                    format!("--rounds={}", web.rounds),
                    format!("--command={typed}"),
                ]
                .map(OsString::from),
            );
            if web.write {
                args.push("--out".into());
                args.push(root.join(WEB_TABLE).into());
            }
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        target: Target,
    }

    fn args_for(words: &[&str]) -> Vec<String> {
        let cli = Cli::try_parse_from(std::iter::once("bench").chain(words.iter().copied()))
            .expect("the words parse");
        runner_args(
            Path::new("/kit"),
            &cli.target,
            "cargo xtask bench web --write",
        )
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
    }

    #[test]
    fn bench_web_runs_the_reference_runner_in_release_with_its_defaults() {
        assert_eq!(
            args_for(&["web"]),
            [
                "run",
                "--release",
                "--manifest-path",
                "/kit/tests/Cargo.toml",
                "-p",
                "netkit-tests",
                "--bin",
                "netkit",
                "--features",
                "solutions",
                "--",
                "bench-web",
                "--seconds=10",
                "--connections=64",
                "--rounds=3",
                "--command=cargo xtask bench web --write",
            ],
            "the same build as `cargo xtask run --solutions --release`, wrk's -c64 -d10s, 3 rounds"
        );
    }

    #[test]
    fn write_names_the_books_file_and_flags_pass_through() {
        let args = args_for(&["web", "--seconds", "2", "--rounds", "1", "--write"]);
        assert_eq!(
            &args[12..],
            [
                "--seconds=2",
                "--connections=64",
                "--rounds=1",
                "--command=cargo xtask bench web --write",
                "--out",
                "/kit/book/src/ch4/measured/web.md",
            ],
            "the flags, then the book's file"
        );
    }

    #[test]
    fn out_of_range_flags_are_refused_before_anything_builds() {
        for words in [
            &["web", "--seconds", "0"][..],
            &["web", "--rounds", "10"],
            &["web", "--connections", "0"],
            &["qps"],
        ] {
            assert!(
                Cli::try_parse_from(std::iter::once("bench").chain(words.iter().copied())).is_err(),
                "{words:?} is refused"
            );
        }
    }
}
