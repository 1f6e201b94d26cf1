//! Probes of the exercise `mixed-model`.

use super::procfs;
use crate::kit::ch5::mixed_model as kit;
use anyhow::bail;

/// Runs the probe `mixed_model::PROBE`.
///
/// `mixed_model INPUT`: calls `mixed_model` and prints `answer TEXT`, then
/// `children N`: the children (zombies included) it left behind.
/// TODO(author): the probes the tests need, each printing `key value`
/// lines that a test can check.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match (probe, args) {
        ("mixed_model", [input]) => {
            println!("answer {}", kit::mixed_model(input));
            println!("children {}", procfs::my_children().len());
            Ok(())
        }
        ("mixed_model", _) => bail!("usage: mixed_model::mixed_model INPUT"),
        _ => Err(super::unknown("mixed_model", probe)),
    }
}
