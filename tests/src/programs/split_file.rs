//! `split-file`.

use crate::kit::ch2::split_file;
use anyhow::Context;
use std::path::PathBuf;

/// `split-file`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to split.
    pub file: PathBuf,
    /// The folder the two halves are written into.
    #[arg(long)]
    pub out: PathBuf,
}

/// Splits FILE into FILE.top and FILE.bottom in the --out folder, with two
/// processes, and prints each half's path, size and writer.
pub fn run(args: Args) -> anyhow::Result<()> {
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    println!("{}: {size} bytes", args.file.display());
    let (top, bottom) = split_file::split(&args.file, &args.out)?;
    for (name, half) in [("top", top), ("bottom", bottom)] {
        println!(
            "{name}: {} ({} bytes, written by process {})",
            half.path.display(),
            half.len,
            half.writer
        );
    }
    Ok(())
}
