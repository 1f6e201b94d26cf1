//! `cargo xtask`: the kit's command line.
//!
//! ## Layout
//!
//! - [`manifest`]: `kit.toml`, the chapters and exercises.
//! - [`book`]: building the book (student and teacher editions) and checking it.
//!
//! Adding a command is one new variant of [`Command`] and one arm in `main`.

mod book;
mod manifest;

use anyhow::Result;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "The netkit command line: check your exercises, read hints, run servers, build the book."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build the book.
    Book {
        /// The teacher's edition, with the reference solutions.
        #[arg(long)]
        teacher: bool,
        /// Open the built book in a browser (or print its file:// address).
        #[arg(long)]
        open: bool,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let manifest = manifest::Manifest::load(&root)?;
    match cli.command {
        Command::Book { teacher, open } => {
            let edition = if teacher {
                book::Edition::Teacher
            } else {
                book::Edition::Student
            };
            let out = root
                .join("target/book")
                .join(if teacher { "teacher" } else { "student" });
            let index = book::build(&root, &manifest, edition, &out)?;
            println!("{}", index.display());
            if open {
                book::open(&index);
            }
        }
    }
    Ok(())
}
