//! Probes of the exercise `split-file`.

/// Runs the probe `split_file::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("split_file", probe))
}
