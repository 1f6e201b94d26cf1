//! Probes of the exercise `reaper`.

/// Runs the probe `reaper::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("reaper", probe))
}
