//! Probes of the exercise `fork-basics`.

/// Runs the probe `fork_basics::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("fork_basics", probe))
}
