//! `copy-dir`: copies a folder with one process per file, printing each
//! name as its copy finishes, then a summary.

use crate::kit::ch2::copy_dir::{self, Outcome};
use std::path::PathBuf;

/// `copy-dir`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to copy.
    pub from: PathBuf,
    /// Where the copy goes (must not exist yet).
    pub to: PathBuf,
}

/// Prints one line per file, as the copies finish: the name on stdout, or
/// `copy-dir: NAME: WHY` on stderr for a copy that failed. Then
/// `copied N files (B bytes) into TO`. Exits non-zero if anything failed.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut bytes_copied = 0;
    let copied = copy_dir::copy_dir(&args.from, &args.to, |outcome| match outcome {
        Outcome::Copied { name, bytes } => {
            bytes_copied += bytes;
            // println! flushes at the newline: each name shows as it comes.
            println!("{name}");
        }
        Outcome::Failed { name, why } => eprintln!("copy-dir: {name}: {why}"),
    })?;
    let files = if copied.len() == 1 { "file" } else { "files" };
    println!(
        "copied {} {files} ({bytes_copied} bytes) into {}",
        copied.len(),
        args.to.display()
    );
    Ok(())
}
