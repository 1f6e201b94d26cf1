//! Probes of the exercise `split-file`.

use super::procfs;
use crate::kit::ch2::split_file as kit;
use anyhow::bail;
use nix::unistd::getpid;
use std::path::Path;

/// Runs the probe `split_file::PROBE`.
///
/// `split FILE OUT_DIR`: calls `split` and prints `probe_pid PID`, then
/// either `top PID LEN PATH` and `bottom PID LEN PATH` (the writer's pid, the
/// length, the path) or `error MESSAGE`, and last `children N`: the children
/// (zombies included) left behind.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match (probe, args) {
        ("split", [file, out_dir]) => {
            println!("probe_pid {}", getpid());
            match kit::split(Path::new(file), Path::new(out_dir)) {
                Ok((top, bottom)) => {
                    for (name, half) in [("top", top), ("bottom", bottom)] {
                        println!(
                            "{name} {} {} {}",
                            half.writer,
                            half.len,
                            half.path.display()
                        );
                    }
                }
                Err(e) => println!("error {e}"),
            }
            println!("children {}", procfs::my_children().len());
            Ok(())
        }
        ("split", _) => bail!("usage: split_file::split FILE OUT_DIR"),
        _ => Err(super::unknown("split_file", probe)),
    }
}
