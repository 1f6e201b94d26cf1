//! Probes of the exercise `parallel-primes`.

/// Runs the probe `parallel_primes::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("parallel_primes", probe))
}
