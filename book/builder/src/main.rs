//! `kit-book`: builds one edition of the book and checks it. xtask runs it
//! (`cargo xtask book`, and `cargo xtask test`'s book check), so that only
//! those commands build mdBook; a student's `check`, `hint` or `run` never do.

use anyhow::Result;
use clap::Parser;
use kit_book::Edition;
use kit_manifest::Manifest;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "kit-book",
    about = "Builds the kit's book (student or teacher edition) and checks it.",
    after_help = "Run through `cargo xtask book [--teacher] [--open] [ID]`."
)]
struct Cli {
    /// The kit's root (the folder of kit.toml).
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The teacher's edition, with the reference solutions.
    #[arg(long)]
    teacher: bool,
    /// Where to write the book (default: ROOT/target/book/student or …/teacher).
    #[arg(long)]
    out: Option<PathBuf>,
    /// A page under book/src (`ch1/udp-dict.md`) to point at instead of the
    /// book's first page.
    #[arg(long)]
    page: Option<String>,
    /// Open the page in a browser (or print its file:// address).
    #[arg(long)]
    open: bool,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let manifest = Manifest::load(&cli.root)?;
    let edition = if cli.teacher {
        Edition::Teacher
    } else {
        Edition::Student
    };
    let out = cli
        .out
        .unwrap_or_else(|| cli.root.join(kit_manifest::book_dir(edition.name())));
    let index = kit_book::build(&cli.root, &manifest, edition, &out)?;
    let shown = match &cli.page {
        Some(page) => {
            let folder = index.parent().unwrap_or(&index);
            let built = folder.join(kit_manifest::html_page(page));
            if !built.is_file() {
                anyhow::bail!(
                    "the book has no page {page} (book/src/SUMMARY.md does not list it?)"
                );
            }
            built
        }
        None => index,
    };
    if cli.open {
        // Prints the address to paste into a browser when it cannot open one.
        kit_book::open(&shown);
    } else {
        println!("The book is at file://{}", shown.display());
    }
    Ok(())
}
