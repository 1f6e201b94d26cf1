//! `cargo xtask check WHAT --repeat N [--seed S]`: the chosen tests run N
//! times, to catch what passes once and fails the next time.
//!
//! Concurrent code is judged by every interleaving it allows, and one run
//! sees one of them: a race shows up as a test that fails now and then, a
//! *flake*. So the suite is built once and run N times; any test that
//! failed even once is reported with the runs it failed in and each run's
//! seed. The seed goes to the tests in `NETKIT_SEED`, which the harness
//! mixes into the seeds of the random cases a test draws
//! (`XorShift::seeded`, proptest's seed), so that every run tries other
//! inputs and `--seed S` replays the inputs of a run that failed. Run 1 has
//! seed 0: the very cases of a plain `check`.
//!
//! When the code does not compile, there is nothing to repeat: the plain
//! check's report is shown instead.

use crate::check;
use crate::manifest::{Exercise, Manifest};
use crate::suite::{self, Kit, Outcome, Run};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable the harness reads the run's seed from
/// (`netkit_tests::harness::rng::SEED_VARIABLE`).
const SEED_VARIABLE: &str = "NETKIT_SEED";

/// One test's failures over the runs: (run, seed, message) for each.
type Failures = BTreeMap<String, Vec<(usize, u64, String)>>;

/// Builds the suite against `kit` and runs the tests of `what` `times`
/// times; returns whether every test passed in every run.
pub fn repeat(
    root: &Path,
    manifest: &Manifest,
    what: &str,
    kit: Kit,
    times: usize,
    seed: Option<u64>,
) -> Result<bool> {
    anyhow::ensure!(times > 0, "--repeat 0 runs nothing: give it 1 or more");
    let exercises = manifest.select(what)?;
    let build = suite::build(root, kit)?;
    let Some(executable) = build.executable else {
        println!("`--repeat` runs the tests once everything compiles; here is the plain check:\n");
        check::check(root, manifest, what, kit)?;
        return Ok(false);
    };
    let seeds = seeds(times, seed);
    println!(
        "Running the tests of {} {times} times against {}…",
        check::describe(what, exercises.len()),
        kit.name()
    );
    let filters = check::filters(&exercises);
    let mut failures = Failures::new();
    let mut clean_runs = 0;
    let mut tests = 0;
    for (index, &seed) in seeds.iter().enumerate() {
        let number = index + 1;
        let run = suite::run_with(
            root,
            &executable,
            &filters,
            &[],
            &[(SEED_VARIABLE, seed.to_string())],
        )?;
        let failed = record(&run, number, seed, &mut failures);
        tests = tests.max(run.outcomes.len());
        if failed == 0 && !run.outcomes.is_empty() {
            clean_runs += 1;
        }
        println!(
            "  run {number:>width$}/{times} · seed {} · {} passed, {failed} failed · {:.1} s",
            show_seed(seed),
            run.outcomes.len() - failed,
            run.elapsed.as_secs_f64(),
            width = times.to_string().len(),
        );
    }
    println!();
    report(&exercises, &failures, times, what, kit);
    let all = clean_runs == times && tests > 0;
    if tests == 0 {
        println!("No test ran: the suite has none for {what}.");
    } else if all {
        println!("{times} of {times} runs passed ({tests} tests each): no flake seen.");
    } else {
        println!(
            "{clean_runs} of {times} runs passed ({tests} tests each). A test that fails only \
             sometimes is a race: see the chapter's pages on what to look for."
        );
    }
    Ok(all)
}

/// The seed of each run: run 1 has 0 (a plain check's cases), the others
/// seeds that differ from run to run and from one call to the next; with
/// `--seed S`, every run has S (to replay a failure, more than once if it
/// needs luck).
fn seeds(times: usize, fixed: Option<u64>) -> Vec<u64> {
    if let Some(seed) = fixed {
        return vec![seed; times];
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let base = (now ^ u64::from(std::process::id())) & 0xffff_ffff;
    (0..times as u64)
        .map(|i| {
            if i == 0 {
                0
            } else {
                base.wrapping_add(i).max(1)
            }
        })
        .collect()
}

fn show_seed(seed: u64) -> String {
    format!("{seed:#x}")
}

/// Adds one run's failures to `failures`; returns how many failed.
fn record(run: &Run, number: usize, seed: u64, failures: &mut Failures) -> usize {
    let mut failed = 0;
    for (name, outcome) in &run.outcomes {
        if let Outcome::Failed(failure) = outcome {
            failed += 1;
            failures.entry(name.clone()).or_default().push((
                number,
                seed,
                failure.shown().to_string(),
            ));
        }
    }
    failed
}

/// One block per exercise: its runs, then each test that failed in some
/// runs but not all (a flake: the runs, their seeds, the first message and
/// the command that replays it), then the tests that failed in every run
/// (a plain bug, which `check` shows better).
fn report(exercises: &[&Exercise], failures: &Failures, times: usize, what: &str, kit: Kit) {
    for exercise in exercises {
        let prefix = exercise.test_prefix();
        let short = |name: &'_ str| name.strip_prefix(&prefix).unwrap_or(name).to_string();
        let (always, flakes): (Vec<_>, Vec<_>) = failures
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .partition(|(_, runs)| runs.len() == times);
        if always.is_empty() && flakes.is_empty() {
            println!("  ✓ {:<15} passed in {times} of {times} runs", exercise.id);
            continue;
        }
        println!("  ✗ {}", exercise.id);
        for (name, runs) in flakes {
            println!(
                "      {}: failed in {} of {times} runs, a flake (it passes only sometimes)",
                short(name),
                runs.len()
            );
            let shown: Vec<String> = runs
                .iter()
                .take(5)
                .map(|(run, seed, _)| format!("run {run} (seed {})", show_seed(*seed)))
                .collect();
            let more = if runs.len() > 5 { ", …" } else { "" };
            println!("        in {}{more}", shown.join(", "));
            let (_, seed, message) = &runs[0];
            for line in message.lines().take(8) {
                println!("        | {line}");
            }
            let solutions = if kit == Kit::Solutions {
                " --solutions"
            } else {
                ""
            };
            println!(
                "        again with that run's inputs: cargo xtask check {what} --repeat {times} \
                 --seed {}{solutions}",
                show_seed(*seed)
            );
        }
        if !always.is_empty() {
            let names: Vec<String> = always.iter().take(5).map(|(n, _)| short(n)).collect();
            let more = if always.len() > 5 { ", …" } else { "" };
            println!(
                "      {} failed in every run, a plain bug rather than a flake \
                 (`cargo xtask check {}` shows the first): {}{more}",
                count(always.len(), "test"),
                exercise.id,
                names.join(", ")
            );
        }
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::Failure;

    #[test]
    fn the_first_run_has_a_plain_checks_seed_and_the_others_differ() {
        let seeds = seeds(5, None);
        assert_eq!(seeds[0], 0, "run 1 must draw a plain check's cases");
        let distinct: std::collections::BTreeSet<u64> = seeds[1..].iter().copied().collect();
        assert_eq!(
            distinct.len(),
            4,
            "runs 2 to 5 must each have a seed of their own: {seeds:?}"
        );
        assert!(!distinct.contains(&0), "only run 1 has seed 0: {seeds:?}");
        assert_eq!(
            super::seeds(3, Some(7)),
            vec![7, 7, 7],
            "--seed 7 gives every run 7"
        );
    }

    #[test]
    fn a_runs_failures_are_recorded_with_its_number_and_seed() {
        let mut run = Run::default();
        run.outcomes.insert("ch2::a::x".into(), Outcome::Passed);
        run.outcomes.insert(
            "ch2::a::y".into(),
            Outcome::Failed(Failure {
                message: "boom".into(),
                todo: None,
            }),
        );
        let mut failures = Failures::new();
        assert_eq!(record(&run, 3, 0x2a, &mut failures), 1);
        assert_eq!(
            failures.get("ch2::a::y"),
            Some(&vec![(3, 0x2a, "boom".to_string())]),
            "the failed test, with run 3's number and seed"
        );
        assert!(!failures.contains_key("ch2::a::x"), "a pass is no failure");
    }
}
