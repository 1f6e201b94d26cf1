//! "A state is a fact": `check all`, repeated, must give every exercise the
//! same state each time: `not started` against the pristine stubs, `passed`
//! against the reference. A state that changes from run to run (a stub's
//! `todo!()` read as `failed` because the test's own side saw only a reset
//! connection, a test that races) misleads a student more than no state.

use crate::check::{self, State};
use crate::manifest::Manifest;
use crate::suite::{self, Kit};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many runs of the suite go at once. The suite mostly waits (on
/// sockets, on children), so a few at once cost little more wall time than
/// one, and they load the machine as a busy grader's would.
const AT_ONCE: usize = 4;

/// What [`repeat`] found.
pub struct Stability {
    pub runs: usize,
    pub elapsed: Duration,
    /// The state every exercise must have: `not started` or `passed`.
    pub expected: &'static str,
    /// One line per exercise whose state was not `expected` every time:
    /// the states seen, how often, and the first unexpected one's message.
    pub unstable: Vec<String>,
}

/// Runs `executable` (the suite built against `kit`) `runs` times with
/// `check all`'s filters, judges each run as `check` does, and compares.
pub fn repeat(
    root: &Path,
    manifest: &Manifest,
    executable: &Path,
    kit: Kit,
    runs: usize,
) -> Result<Stability> {
    let exercises = manifest.select("all")?;
    let filters = check::filters(&exercises);
    let expected = match kit {
        Kit::Exercises => "not started",
        Kit::Solutions => "passed",
    };
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..AT_ONCE.min(runs) {
            scope.spawn(|| {
                while next.fetch_add(1, Ordering::SeqCst) < runs {
                    let run = suite::run(root, executable, &filters, &[]);
                    results.lock().unwrap_or_else(|p| p.into_inner()).push(run);
                }
            });
        }
    });
    // Per exercise: each state seen, how often, and the first message.
    let mut seen: BTreeMap<&str, BTreeMap<&'static str, (usize, String)>> = BTreeMap::new();
    for run in results.into_inner().unwrap_or_else(|p| p.into_inner()) {
        let run = run?;
        for status in check::judge(&exercises, &run) {
            // An exercise with no tests has no state to repeat; the agreement
            // check (3) reports it, once.
            if matches!(status.state, State::NoTests) {
                continue;
            }
            let why = match &status.state {
                State::Failed { test, message } => {
                    format!("{test}: {}", message.lines().next().unwrap_or_default())
                }
                State::NotStarted { message } => {
                    message.lines().next().unwrap_or_default().to_string()
                }
                _ => String::new(),
            };
            let entry = seen
                .entry(&status.exercise.id)
                .or_default()
                .entry(status.state.word())
                .or_insert((0, why));
            entry.0 += 1;
        }
    }
    let unstable = seen
        .iter()
        .filter(|(_, states)| states.keys().any(|s| *s != expected))
        .map(|(id, states)| {
            let counts: Vec<String> = states
                .iter()
                .map(|(state, (n, _))| format!("{state} {n} times"))
                .collect();
            let example = states
                .iter()
                .find(|(state, _)| **state != expected)
                .map(|(state, (_, why))| format!("{state}: {why}"))
                .unwrap_or_default();
            format!("{id}: {}; {example}", counts.join(", "))
        })
        .collect();
    Ok(Stability {
        runs,
        elapsed: started.elapsed(),
        expected,
        unstable,
    })
}
