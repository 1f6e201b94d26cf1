//! Probes of the exercise `copy-dir`.

/// Runs the probe `copy_dir::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("copy_dir", probe))
}
