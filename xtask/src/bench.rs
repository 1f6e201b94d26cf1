//! `cargo xtask bench TARGET`: the kit's servers measured against well-kept
//! ones, on this machine, in one run. Each target is a program of the
//! runner (tests/src/programs/bench_*), built in release with the reference
//! solutions, the way `cargo xtask run --solutions --release` builds it (the
//! same flags, so the same build is reused). With no target (or `models`):
//! chapter 5's comparison of every server model, `bench-models`; `failover`:
//! the load-balance exercise's nginx while an instance dies, `bench-failover`.

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
    /// Every server model of chapters 3 to 5, and nginx when installed,
    /// under the kit's load generator (what `cargo xtask bench` alone runs).
    ///
    /// Each model at rising numbers of connections (`--seconds` each):
    /// requests/s, p99, errors; then its resident memory per idle
    /// connection at 100, 1 000 and 10 000 connections; then the chapter's
    /// ratios (against nginx, and the load generator against wrk), a ratio
    /// skipped plainly when nginx or wrk is missing. About 2 minutes on 2
    /// cores, once built. `--write` writes the table and SVG charts into
    /// book/src/ch5/measured/, which chapter 5's page "Measuring the
    /// models" includes.
    Models(ModelsArgs),
    /// Two web-server instances behind nginx while one is killed and later
    /// restarted, with the load-balance exercise's retries and without.
    ///
    /// 16 keep-alive clients for 6 s per run; answers and errors counted in
    /// 100 ms buckets. Prints a table (answers, errors, errors while one
    /// instance was down, req/s before, during, after); `--write` writes it
    /// and an SVG chart into book/src/ch5/measured/, which the page of the
    /// exercise includes. Needs nginx (`sudo apt-get install nginx-light`).
    Failover(FailoverArgs),
}

/// `cargo xtask bench failover [--seconds 6] [--connections 16] [--write]`
#[derive(Debug, clap::Args)]
pub struct FailoverArgs {
    /// How long each run lasts, in seconds.
    #[arg(long, default_value_t = 6,
          value_parser = clap::value_parser!(u32).range(3..=60))]
    pub seconds: u32,
    /// How many keep-alive clients load nginx at once.
    #[arg(long, default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub connections: u32,
    /// Also write failover.md and failover.svg into book/src/ch5/measured/.
    #[arg(long)]
    pub write: bool,
}

/// `cargo xtask bench [models] [--seconds 2] [--threads 1] [--models NAME,…] [--write]`
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ModelsArgs {
    /// How long each load run lasts, in seconds.
    #[arg(long, default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub seconds: u32,
    /// The load generator's threads (and wrk's, for the comparison).
    #[arg(long, default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub threads: u32,
    /// Only these models (`epoll-server,nginx-1`, …); all by default.
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// Also write the table and the charts into book/src/ch5/measured/,
    /// which chapter 5's page "Measuring the models" includes.
    #[arg(long)]
    pub write: bool,
}

/// The folder `bench --write` writes into, from the kit's root.
pub const MODELS_DIR: &str = "book/src/ch5/measured";

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
        Target::Failover(failover) => {
            args.extend(
                [
                    "bench-failover".to_string(),
                    format!("--seconds={}", failover.seconds),
                    format!("--connections={}", failover.connections),
                    format!("--command={typed}"),
                ]
                .map(OsString::from),
            );
            if failover.write {
                args.push("--out-dir".into());
                args.push(root.join(MODELS_DIR).into());
            }
        }
        Target::Models(models) => {
            args.extend(
                [
                    "bench-models".to_string(),
                    format!("--seconds={}", models.seconds),
                    format!("--threads={}", models.threads),
                    format!("--command={typed}"),
                ]
                .map(OsString::from),
            );
            if !models.models.is_empty() {
                args.push(format!("--models={}", models.models.join(",")).into());
            }
            if models.write {
                args.push("--out-dir".into());
                args.push(root.join(MODELS_DIR).into());
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
    fn bench_models_runs_the_reference_runner_and_writes_the_chapters_folder() {
        let args = args_for(&["models", "--write"]);
        assert_eq!(
            &args[11..],
            [
                "bench-models",
                "--seconds=2",
                "--threads=1",
                "--command=cargo xtask bench web --write",
                "--out-dir",
                "/kit/book/src/ch5/measured",
            ],
            "2 s a point, one thread, the book's folder"
        );
        let only = args_for(&["models", "--models", "epoll-server,nginx-1"]);
        assert_eq!(
            only.last().map(String::as_str),
            Some("--models=epoll-server,nginx-1")
        );
    }

    #[test]
    fn bench_failover_runs_the_reference_runner_and_writes_the_chapters_folder() {
        let args = args_for(&["failover", "--write"]);
        assert_eq!(
            &args[11..],
            [
                "bench-failover",
                "--seconds=6",
                "--connections=16",
                "--command=cargo xtask bench web --write",
                "--out-dir",
                "/kit/book/src/ch5/measured",
            ],
            "6 s a run, 16 clients, the book's folder"
        );
    }

    #[test]
    fn out_of_range_flags_are_refused_before_anything_builds() {
        for words in [
            &["web", "--seconds", "0"][..],
            &["web", "--rounds", "10"],
            &["web", "--connections", "0"],
            &["models", "--seconds", "0"],
            &["models", "--threads", "17"],
            &["failover", "--seconds", "2"],
            &["failover", "--connections", "0"],
            &["qps"],
        ] {
            assert!(
                Cli::try_parse_from(std::iter::once("bench").chain(words.iter().copied())).is_err(),
                "{words:?} is refused"
            );
        }
    }
}
