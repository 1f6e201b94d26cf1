//! `cargo xtask`: the kit's command line.
//!
//! ## Layout
//!
//! - [`manifest`]: `kit.toml`, the chapters and exercises (the crate
//!   `kit-manifest`, in xtask/manifest, which the book builder shares).
//! - [`suite`]: building the suite with cargo and reading libtest's output.
//! - [`check`]: `check` and `list`, where a student stands.
//! - [`repeat`]: `check --repeat N`, the tests run N times to catch flakes.
//! - [`watch`]: `watch`, a check on every save, and keys for the rest.
//! - [`hint`]: `hint`, one hint at a time.
//! - [`reset`]: `reset`, an exercise's file back to its stub, the student's
//!   version kept in a backup beside it.
//! - [`grade`]: `grade`, a submission's points, each test isolated.
//! - [`run`]: `run`, the runner's programs and the book's demos.
//! - [`bench`]: `bench` (every server model of chapters 3 to 5, and nginx,
//!   under the kit's load generator) and `bench web` (the web server against
//!   nginx, with wrk).
//! - [`selftest`]: `test`, the kit's own checks.
//! - [`stability`]: `check all` repeated gives the same states (a check of `test`).
//! - [`mutants`]: `mutants`, and the check that the suite catches wrong code.
//! - [`patch`]: unified diffs (the mutants), applied in memory.
//! - [`strays`]: catching processes the suite leaves behind.
//! - [`scratch`]: scratch copies of the kit, built incrementally beside it.
//! - [`kit_book`]: `book`, which builds and runs the book builder `kit-book`
//!   (book/builder) only when asked, so that no other command builds mdBook.
//! - [`progress`]: cargo's progress shown while xtask builds.
//! - [`new`]: `new`, an exercise added in one step, for authors.
//! - [`lists`]: the lists of exercises kept by hand (README, chapter pages).
//! - [`dist`]: `dist --student`, the student's hand-out (no reference), and
//!   how a copy without `solutions/` answers `--solutions`.
//!
//! Adding a command is one new variant of [`Command`] and one arm in `main`.

mod bench;
mod check;
mod dist;
mod grade;
mod hint;
mod kit_book;
mod lists;
mod mutants;
mod new;
mod patch;
mod progress;
mod repeat;
mod reset;
mod run;
mod scratch;
mod selftest;
mod speed;
mod stability;
mod strays;
mod suite;
mod watch;

/// kit.toml, as `crate::manifest` for every module of xtask.
use kit_manifest as manifest;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use suite::Kit;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The netkit command line: check your exercises, read hints, run servers, measure them, build the book.",
    after_help = "Start with `cargo xtask check chapter1`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build and run the tests of some exercises, and say where each stands.
    Check {
        /// `all`, a chapter (`chapter1`) or an exercise (`udp-dict`).
        #[arg(default_value = "all")]
        what: String,
        /// Check the reference solutions instead of your code.
        #[arg(long)]
        solutions: bool,
        /// Run the tests N times and report every test that failed even
        /// once, with the run's seed: a race shows up as a flake.
        #[arg(long, value_name = "N")]
        repeat: Option<usize>,
        /// With --repeat: give every run this seed (from a flake's report),
        /// to draw that run's random cases again.
        #[arg(long, requires = "repeat", value_parser = parse_seed)]
        seed: Option<u64>,
    },
    /// Check again on every save: the first exercise not done, its state and first failure.
    #[command(
        after_help = "Keys, pressed alone: n next exercise · h its next hint · l list · a check \
                      all of the target · r or Enter check now · q quit.\n\n\
                      Saves are seen by file events. Where none arrive (network or shared file \
                      systems), watch says so and looks at the files' times every second, as \
                      --manual does from the start."
    )]
    Watch {
        /// `all`, a chapter (`chapter1`) or an exercise (`udp-dict`).
        #[arg(default_value = "all")]
        what: String,
        /// Check the reference solutions instead of your code.
        #[arg(long)]
        solutions: bool,
        /// No file events: look at the files' times every second (and
        /// Enter checks at once).
        #[arg(long)]
        manual: bool,
    },
    /// List every exercise by chapter, with its state.
    List {
        /// The reference solutions' states instead of yours.
        #[arg(long)]
        solutions: bool,
    },
    /// Show a hint for an exercise, gentlest first.
    Hint {
        /// The exercise, e.g. `udp-dict`.
        exercise: String,
        /// Which hint (1 is the gentlest).
        number: Option<usize>,
        /// Show all the hints at once.
        #[arg(long)]
        all: bool,
    },
    /// Start an exercise again: its file back to the stub, your version kept in a backup beside it.
    #[command(
        after_help = "The backup is the file's name with `.backup-<UTC time>` added \
                      (exercises/src/ch1/udp_dict.rs.backup-2026-12-02T14-15-03Z): never an \
                      earlier backup replaced, never built, ignored by git. Reset says how to \
                      bring it back (`cp …`). A file that is already the stub is left alone."
    )]
    Reset {
        /// The exercise, e.g. `udp-dict`.
        exercise: String,
        /// Do not ask first (needed when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
    },
    /// Run a server, client or demo: `cargo xtask run udp-dict-server --addr 127.0.0.1:0`.
    #[command(
        trailing_var_arg = true,
        after_help = "A program that fails prints one line, `error: what failed: why`, and exits \
                      with status 1, whatever RUST_BACKTRACE your shell has. For the error's \
                      causes line by line and where it was made, add --backtrace (or set \
                      NETKIT_BACKTRACE=1 and RUST_BACKTRACE=1). A panic (a bug, or a todo!() \
                      not yet written) is printed as Rust always prints it.\n\n\
                      Everything after PROGRAM is the program's own, `--help` too: \
                      `cargo xtask run udp-dict-server --help` shows the server's options. \
                      The flags of `run` itself go before PROGRAM."
    )]
    Run {
        /// Run the reference solution's program instead of yours.
        #[arg(long)]
        solutions: bool,
        /// On an error, show its causes and a backtrace (panics get one too).
        #[arg(long)]
        backtrace: bool,
        /// Build it optimised (`cargo run --release`): for timing a program.
        #[arg(long)]
        release: bool,
        // One positional, not two: clap would still read a flag between
        // the program and its first argument (`run PROGRAM --help` as
        // xtask's help) until a second positional starts, while a single
        // trailing one takes everything from its first value on.
        /// The program (without one, the list of programs), then its own
        /// arguments: all of them, `--help` included, go to the program.
        #[arg(value_names = ["PROGRAM", "ARGS"], num_args = 1..)]
        program: Vec<String>,
    },
    /// Measure the kit's servers: `cargo xtask bench [--write]` (every model of chapters 3 to 5, and nginx), `bench web [--write]`, `bench failover [--write]`.
    ///
    /// Builds the runner in release with the reference solutions (as `run
    /// --solutions --release`) and runs the measurement; timings are never
    /// part of `cargo xtask test`.
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        /// `web`, or `models` (the default).
        #[command(subcommand)]
        target: Option<bench::Target>,
        /// `cargo xtask bench`'s flags are those of `bench models`.
        #[command(flatten)]
        models: bench::ModelsArgs,
    },
    /// For teachers: grade a student's submission, each test isolated, with points from kit.toml.
    #[command(
        after_help = "Only the submission's exercises/src is taken (never its tests, Cargo.toml or \
                      xtask). The report is rewritten after every test, so an interrupted run \
                      leaves a valid partial report. As root, the tests run as the unprivileged \
                      user 65534 (NETKIT_GRADE_UID chooses another)."
    )]
    Grade {
        /// A student's copy of the kit, or of its exercises/ folder.
        #[arg(long, required_unless_present = "batch", conflicts_with = "batch")]
        submission: Option<PathBuf>,
        /// A folder of submissions, one folder per student: grade each, and
        /// write each one's report and summary.csv to --out (a folder,
        /// target/grade by default).
        #[arg(long, value_name = "DIR")]
        batch: Option<PathBuf>,
        /// Grade only this chapter (repeat for more).
        #[arg(long = "chapter", value_name = "N")]
        chapters: Vec<u32>,
        /// Grade only this exercise (repeat for more).
        #[arg(long = "exercise", value_name = "ID")]
        exercises: Vec<String>,
        /// The report's format.
        #[arg(long, value_enum, default_value = "markdown")]
        format: grade::report::Format,
        /// Write the report here (after every test) instead of to stdout at
        /// the end; with --batch, the folder for the reports and summary.csv (refused if it
        /// holds an earlier batch's summary.csv, unless --regrade).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Grading again against an updated kit: keep the earlier results beside the new
        /// ones (in previous/<UTC time>/ inside --batch's --out folder, or beside --out
        /// FILE) and say what changed (summary.csv's previous_total and change columns,
        /// changes.csv; or "was X, now Y").
        #[arg(long)]
        regrade: bool,
        /// Once graded, write the points per exercise here (JSON; --batch uses it).
        #[arg(long, hide = true)]
        summary: Option<PathBuf>,
        /// The wall-clock limit of every test, in seconds (default: kit.toml's `timeout`, else 30).
        #[arg(long, value_name = "SECONDS")]
        timeout: Option<u64>,
        /// Only the tests whose names contain this (repeat for more); the
        /// points are still shared among all of the exercise's tests chosen.
        #[arg(long = "test", value_name = "NAME")]
        tests: Vec<String>,
    },
    /// The kit's own checks: reference passes, stubs fail, files agree, book builds, mutants are caught.
    Test,
    /// For authors: add an exercise, with every file it needs (see CONTRIBUTING.md).
    New {
        /// Its id, kebab-case, saying what is built: `udp-dict`.
        id: String,
        /// The chapter it belongs to (its number in kit.toml).
        #[arg(long)]
        chapter: u32,
        /// A program of the runner that uses it (`--program demo-server`; repeat for more).
        #[arg(long = "program", value_name = "NAME")]
        programs: Vec<String>,
        /// Its code forks: the tests call it through a probe, in a fresh process.
        #[arg(long)]
        forks: bool,
        /// Its title (by default the id's words: `demo-exercise` is "Demo exercise").
        #[arg(long)]
        title: Option<String>,
    },
    /// Apply each known-wrong reference in mutants/ and check that the suite catches it, fast.
    Mutants {
        /// `all`, a chapter (`chapter1`) or an exercise (`udp-dict`).
        #[arg(default_value = "all")]
        what: String,
    },
    /// For teachers: write the students' copy of the kit (no solutions, no mutants, no teacher's book).
    Dist {
        /// The new folder to write it into, outside the kit.
        #[arg(long, value_name = "OUT")]
        student: PathBuf,
    },
    /// Build the book (to target/book/student or target/book/teacher).
    Book {
        /// The teacher's edition, with the reference solutions.
        #[arg(long)]
        teacher: bool,
        /// Open the built book in a browser (or print its file:// address).
        #[arg(long)]
        open: bool,
        /// An exercise (`udp-dict`) or a chapter (`chapter1`): point at its
        /// page instead of the book's first page.
        what: Option<String>,
    },
}

/// `--seed`: decimal, or hexadecimal after `0x` (as `check --repeat` prints it).
fn parse_seed(text: &str) -> Result<u64, String> {
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    parsed.map_err(|_| format!("`{text}` is not a seed: a number, such as 12345 or 0x3039"))
}

/// The kit's root, found at run time: the nearest folder, from the current
/// one up, that holds `kit.toml` and a `Cargo.toml` with `[workspace]`.
///
/// Not `env!("CARGO_MANIFEST_DIR")`: that is fixed when xtask is compiled,
/// so a kit copied or moved with its `target/` (the grader's copy, a
/// student's hand-out) would check the old place. `cargo xtask` runs with the
/// current folder where the user typed it, anywhere inside the kit.
fn kit_root() -> Result<PathBuf> {
    let here = std::env::current_dir().context("reading the current folder")?;
    find_kit(&here).ok_or_else(|| {
        anyhow::anyhow!(
            "{} is not inside a netkit kit: no folder from here up holds kit.toml beside a \
             Cargo.toml with [workspace]. Run `cargo xtask` inside the kit's folder",
            here.display()
        )
    })
}

/// The nearest of `from` and its ancestors that is a kit's root.
fn find_kit(from: &Path) -> Option<PathBuf> {
    from.ancestors()
        .find(|dir| {
            dir.join("kit.toml").is_file()
                && std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|toml| toml.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
}

fn main() -> ExitCode {
    match run_command(Cli::parse().command) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command; `Ok(false)` means it ran and found something not done.
fn run_command(command: Command) -> Result<bool> {
    let root = kit_root()?;
    let manifest = manifest::Manifest::load(&root)?;
    if command.needs_solutions() {
        dist::require_solutions(&root)?;
    }
    match command {
        Command::Check {
            what,
            solutions,
            repeat: None,
            ..
        } => check::check(&root, &manifest, &what, Kit::from_flag(solutions)),
        Command::Check {
            what,
            solutions,
            repeat: Some(times),
            seed,
        } => repeat::repeat(
            &root,
            &manifest,
            &what,
            Kit::from_flag(solutions),
            times,
            seed,
        ),
        Command::Watch {
            what,
            solutions,
            manual,
        } => watch::watch(
            &root,
            &manifest,
            &watch::Options {
                what,
                kit: Kit::from_flag(solutions),
                manual,
            },
        ),
        Command::List { solutions } => {
            check::list(&root, &manifest, Kit::from_flag(solutions)).map(|()| true)
        }
        Command::Hint {
            exercise,
            number,
            all,
        } => hint::hint(&manifest, &exercise, number, all).map(|()| true),
        Command::Run {
            solutions,
            backtrace,
            release,
            program,
        } => {
            let (program, args) = run::program_and_args(&program);
            run::run(
                &root,
                &manifest,
                run::RunOptions {
                    kit: Kit::from_flag(solutions),
                    backtrace,
                    release,
                },
                program,
                args,
            )
            .map(|()| true)
        }
        Command::Reset { exercise, yes } => reset::command(&root, &manifest, &exercise, yes),
        Command::Bench { target, models } => {
            let target = target.unwrap_or(bench::Target::Models(models));
            let typed: Vec<String> = std::env::args().skip(1).collect();
            bench::bench(&root, &target, &format!("cargo xtask {}", typed.join(" "))).map(|()| true)
        }
        Command::Grade {
            submission,
            batch,
            chapters,
            exercises,
            format,
            out,
            summary,
            timeout,
            tests,
            regrade,
        } => {
            let mut request = grade::Request::new(submission.unwrap_or_default());
            request.chapters = chapters;
            request.exercises = exercises;
            request.format = format;
            request.timeout = timeout.map(std::time::Duration::from_secs);
            request.only = tests;
            request.summary = summary;
            request.regrade = regrade;
            match batch {
                Some(dir) => grade::batch_command(&root, &manifest, &dir, out.as_deref(), &request),
                None => {
                    request.out = out;
                    grade::command(&root, &manifest, &request)
                }
            }
        }
        Command::Test => selftest::test(&root, &manifest),
        Command::New {
            id,
            chapter,
            programs,
            forks,
            title,
        } => {
            let request = new::Request {
                id,
                chapter,
                title,
                programs,
                forks,
            };
            new::new(&root, &manifest, &request).map(|()| true)
        }
        Command::Mutants { what } => mutants::command(&root, &manifest, &what),
        Command::Dist { student } => {
            let written = dist::student(&root, &student)?;
            println!(
                "wrote the student's copy of the kit to {} ({written} files): no solutions/, \
                 no mutants/, no teacher-only part of the book. Inside it: `cargo xtask check chapter1`",
                student.display()
            );
            Ok(true)
        }
        Command::Book {
            teacher,
            open,
            what,
        } => kit_book::book(&root, &manifest, teacher, open, what.as_deref()).map(|()| true),
    }
}

impl Command {
    /// Whether the command needs the reference solutions, which a student's
    /// hand-out does not have (`test` sees that itself and skips their part).
    fn needs_solutions(&self) -> bool {
        match self {
            Command::Check { solutions, .. }
            | Command::Watch { solutions, .. }
            | Command::List { solutions }
            | Command::Run { solutions, .. } => *solutions,
            Command::Book { teacher, .. } => *teacher,
            Command::New { .. }
            | Command::Mutants { .. }
            | Command::Dist { .. }
            | Command::Bench { .. } => true,
            // Reset and the grader need the pristine stubs, not the reference.
            Command::Hint { .. }
            | Command::Reset { .. }
            | Command::Grade { .. }
            | Command::Test => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_kit_from_any_folder_inside_it_and_none_outside() {
        let outside = tempfile::tempdir().expect("a temp folder");
        let kit = outside.path().join("kit");
        let deep = kit.join("exercises/src/ch1");
        std::fs::create_dir_all(&deep).expect("the kit's folders");
        std::fs::write(kit.join("kit.toml"), "").expect("kit.toml");
        std::fs::write(kit.join("Cargo.toml"), "[workspace]\nmembers = []\n").expect("Cargo.toml");
        // A member's Cargo.toml has no [workspace]: not the root.
        std::fs::write(kit.join("exercises/Cargo.toml"), "[package]\n").expect("member");
        assert_eq!(
            find_kit(&deep),
            Some(kit.clone()),
            "from deep inside the kit"
        );
        assert_eq!(find_kit(&kit), Some(kit.clone()), "from the kit's root");
        assert_eq!(find_kit(outside.path()), None, "outside any kit");
    }

    /// What `cargo xtask ARGS…` parses to, as `run`'s program and arguments.
    fn run_words(args: &[&str]) -> (bool, Vec<String>) {
        let cli = Cli::try_parse_from(std::iter::once("cargo-xtask").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?} should parse: {e}"));
        match cli.command {
            Command::Run {
                solutions, program, ..
            } => (solutions, program),
            other => panic!("{args:?} should be `run`, got {other:?}"),
        }
    }

    #[test]
    fn run_passes_help_after_the_program_to_the_program() {
        let (_, words) = run_words(&["run", "udp-dict-server", "--help"]);
        let (program, args) = run::program_and_args(&words);
        assert_eq!(program, Some("udp-dict-server"), "the program");
        assert!(
            args.iter().any(|a| a == "--help"),
            "--help goes to the program, got {args:?}"
        );
        let (solutions, words) = run_words(&["run", "--solutions", "udp-dict-server", "-h"]);
        assert!(solutions, "--solutions before the program is run's own");
        assert_eq!(
            run::program_and_args(&words),
            (Some("udp-dict-server"), &["-h".to_string()][..]),
            "-h goes to the program"
        );
        let (solutions, words) = run_words(&["run", "udp-dict-server", "--solutions", "--x"]);
        assert!(!solutions, "a flag after the program is the program's");
        assert_eq!(
            words,
            ["udp-dict-server", "--solutions", "--x"],
            "every word after the program, as typed"
        );
        let (_, words) = run_words(&["run", "udp-dict-server", "--", "--addr", "x"]);
        assert_eq!(
            run::program_and_args(&words).1,
            ["--addr", "x"],
            "a `--` right after the program is dropped, as clap dropped it before"
        );
        let (_, words) = run_words(&["run"]);
        assert_eq!(
            run::program_and_args(&words),
            (None, &[][..]),
            "no program: the list of programs"
        );
    }

    #[test]
    fn run_help_without_a_program_is_xtasks_help_for_run() {
        for help in ["--help", "-h"] {
            let err = Cli::try_parse_from(["cargo-xtask", "run", help])
                .expect_err("`run --help` is clap's help");
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::DisplayHelp,
                "`run {help}` shows run's help, got: {err}"
            );
            assert!(
                err.to_string()
                    .contains("Usage: cargo xtask run [OPTIONS] [PROGRAM] [ARGS]..."),
                "run's usage line, got: {err}"
            );
        }
        let err = Cli::try_parse_from(["cargo-xtask", "run", "--bogus"])
            .expect_err("an unknown flag before the program");
        assert_eq!(
            err.kind(),
            clap::error::ErrorKind::UnknownArgument,
            "is refused, not taken for a program: {err}"
        );
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
