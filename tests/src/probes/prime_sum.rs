//! Probes of the exercise `prime-sum`.

/// Runs the probe `prime_sum::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("prime_sum", probe))
}
