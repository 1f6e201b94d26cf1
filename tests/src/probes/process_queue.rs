//! Probes of the exercise `process-queue`.

/// Runs the probe `process_queue::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    let _ = args;
    Err(super::unknown("process_queue", probe))
}
