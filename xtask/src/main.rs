//! `cargo xtask`: the kit's command line.
//!
//! ## Layout
//!
//! - [`manifest`]: `kit.toml`, the chapters and exercises.
//! - [`suite`]: building the suite with cargo and reading libtest's output.
//! - [`check`]: `check` and `list`, where a student stands.
//! - [`hint`]: `hint`, one hint at a time.
//! - [`run`]: `run`, the runner's programs and the book's demos.
//! - [`selftest`]: `test`, the kit's own checks.
//! - [`mutants`]: `mutants`, and the check that the suite catches wrong code.
//! - [`patch`]: unified diffs (the mutants), applied in memory.
//! - [`strays`]: catching processes the suite leaves behind.
//! - [`scratch`]: scratch copies of the kit, built incrementally beside it.
//! - [`book`]: building the book (student and teacher editions) and checking it.
//! - [`new`]: `new`, an exercise added in one step, for authors.
//! - [`lists`]: the lists of exercises kept by hand (README, chapter pages).
//!
//! Adding a command is one new variant of [`Command`] and one arm in `main`.

mod book;
mod check;
mod hint;
mod lists;
mod manifest;
mod mutants;
mod new;
mod patch;
mod run;
mod scratch;
mod selftest;
mod strays;
mod suite;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use suite::Kit;

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "The netkit command line: check your exercises, read hints, run servers, build the book.",
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
    /// Run a server, client or demo: `cargo xtask run udp-dict-server --addr 127.0.0.1:0`.
    #[command(trailing_var_arg = true)]
    Run {
        /// Run the reference solution's program instead of yours.
        #[arg(long)]
        solutions: bool,
        /// The program; without one, the list of programs.
        program: Option<String>,
        /// Its arguments.
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
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
    /// Build the book (to target/book/student or target/book/teacher).
    Book {
        /// The teacher's edition, with the reference solutions.
        #[arg(long)]
        teacher: bool,
        /// Open the built book in a browser (or print its file:// address).
        #[arg(long)]
        open: bool,
    },
}

/// The kit's root: xtask lives in `ROOT/xtask`.
fn kit_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
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
    let root = kit_root();
    let manifest = manifest::Manifest::load(&root)?;
    match command {
        Command::Check { what, solutions } => {
            check::check(&root, &manifest, &what, Kit::from_flag(solutions))
        }
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
            program,
            args,
        } => run::run(
            &root,
            &manifest,
            Kit::from_flag(solutions),
            program.as_deref(),
            &args,
        )
        .map(|()| true),
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
        Command::Book { teacher, open } => {
            let (edition, folder) = if teacher {
                (book::Edition::Teacher, "teacher")
            } else {
                (book::Edition::Student, "student")
            };
            let index = book::build(
                &root,
                &manifest,
                edition,
                &root.join("target/book").join(folder),
            )?;
            println!("The book is at file://{}", index.display());
            if open {
                book::open(&index);
            }
            Ok(true)
        }
    }
}
