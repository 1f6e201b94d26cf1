//! `cargo xtask mutants [ID]`, and the sixth check of `cargo xtask test`: the
//! suite catches wrong code, not only missing code.
//!
//! A mutant is a known-wrong version of the reference, kept as a patch in
//! `mutants/<exercise-id>__<what-is-wrong>.patch` whose first line says the bug
//! in a student's words. Each one is applied to a scratch copy of the kit
//! (`target/scratch/mutants`, with its own target folder, so the dependencies
//! stay built between runs); the suite is built against it, and the tests of
//! its exercise are run, all at once, one thread each. The mutant is caught
//! when a test fails within [`FAST`] of the start; the run is stopped at the
//! first failure.
//!
//! Building is what costs, so mutants are built in rounds: one round holds at
//! most one mutant per exercise, and never two exercises of which one uses the
//! other (chat-server uses chat-protocol: a broken protocol would make the
//! server's tests fail, and the server's mutant would look caught). One build
//! per round, then each exercise's tests run on their own.

use crate::manifest::{Exercise, Manifest};
use crate::patch::{self, FilePatch};
use crate::scratch::Scratch;
use crate::strays;
use crate::suite::{self, Diagnostic, Kit};
use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The first failing test must fail within this time of the run's start: the
/// harness notices a wrong answer, a dead server or a deadlock (its watchdog
/// says 5 s) well before its 10 s timeout.
pub const FAST: Duration = Duration::from_secs(10);

/// A run that has not finished by then is stopped and reported as hanging.
const LIMIT: Duration = Duration::from_secs(60);

/// Every exercise needs at least this many mutants.
pub const AT_LEAST: usize = 2;

/// One known-wrong version of a reference.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// The file name without `.patch`: `framing__little-endian-length`.
    pub name: String,
    /// The exercise it belongs to: `framing`.
    pub exercise: String,
    /// The bug, in a student's words (the patch's first line).
    pub description: String,
    pub files: Vec<FilePatch>,
}

/// What became of one mutant.
#[derive(Debug)]
pub enum Verdict {
    /// A test failed, in time.
    Caught { test: String, after: Duration },
    /// A test failed, but only after [`FAST`].
    Slow { test: String, after: Duration },
    /// Every test passed.
    Survived,
    /// The run did not end within [`LIMIT`].
    Hung,
    /// The patch does not apply to the reference as it is now.
    DoesNotApply(String),
    /// The mutated reference does not compile.
    DoesNotCompile(Vec<Diagnostic>),
}

/// A problem with the folder itself: a badly named or unreadable patch, an
/// exercise with too few mutants.
#[derive(Debug)]
pub struct Problem(pub String);

/// Reads `mutants/`. Problems with single files come back beside the mutants
/// that are fine, so that one bad patch does not hide the others.
pub fn load(root: &Path, manifest: &Manifest) -> Result<(Vec<Mutant>, Vec<Problem>)> {
    let folder = root.join("mutants");
    let mut mutants = Vec::new();
    let mut problems = Vec::new();
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&folder) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    for path in paths {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(name) = file.strip_suffix(".patch") else {
            if file != "README.md" {
                problems.push(Problem(format!(
                    "mutants/{file}: not a .patch file (name them <exercise-id>__<what-is-wrong>.patch)"
                )));
            }
            continue;
        };
        match read_one(&path, name, manifest) {
            Ok(m) => mutants.push(m),
            Err(e) => problems.push(Problem(format!("mutants/{file}: {e:#}"))),
        }
    }
    Ok((mutants, problems))
}

fn read_one(path: &Path, name: &str, manifest: &Manifest) -> Result<Mutant> {
    let Some((exercise, what)) = name.split_once("__") else {
        bail!("name it <exercise-id>__<what-is-wrong>.patch");
    };
    let Some(ex) = manifest.exercise(exercise) else {
        bail!("`{exercise}` is not an exercise of kit.toml");
    };
    if what.is_empty() {
        bail!("say what is wrong after the `__`");
    }
    let text = std::fs::read_to_string(path).context("reading it")?;
    let diff = patch::parse(&text)?;
    let description = diff.preamble.lines().next().unwrap_or_default().trim();
    if description.is_empty() {
        bail!("its first line must say the bug in a student's words, before the diff");
    }
    for file in &diff.files {
        if !file.path.starts_with("solutions/") {
            bail!(
                "it changes {}; a mutant changes the reference (solutions/) only",
                file.path
            );
        }
    }
    Ok(Mutant {
        name: name.to_string(),
        exercise: ex.id.clone(),
        description: description.to_string(),
        files: diff.files,
    })
}

/// Exercises with fewer than [`AT_LEAST`] mutants.
pub fn too_few(manifest: &Manifest, mutants: &[Mutant]) -> Vec<(String, usize)> {
    manifest
        .exercises
        .iter()
        .map(|e| {
            let n = mutants.iter().filter(|m| m.exercise == e.id).count();
            (e.id.clone(), n)
        })
        .filter(|(_, n)| *n < AT_LEAST)
        .collect()
}

/// Runs every mutant; `progress` is told of each verdict as it comes.
pub fn run_all(
    root: &Path,
    manifest: &Manifest,
    mutants: &[Mutant],
    mut progress: impl FnMut(&Mutant, &Verdict),
) -> Result<Vec<(Mutant, Verdict)>> {
    strays::become_subreaper();
    let mut verdicts = Vec::new();
    // Patches that do not apply are out before any build.
    let mut pending: Vec<(Mutant, Vec<(String, String)>)> = Vec::new();
    for mutant in mutants {
        match mutated_files(root, mutant) {
            Ok(files) => pending.push((mutant.clone(), files)),
            Err(e) => {
                let verdict = Verdict::DoesNotApply(format!("{e:#}"));
                progress(mutant, &verdict);
                verdicts.push((mutant.clone(), verdict));
            }
        }
    }
    let uses = dependencies(root, manifest);
    let mut executable_tests: Option<BTreeMap<String, usize>> = None;
    while !pending.is_empty() {
        let round = next_round(&mut pending, &uses);
        for (mutant, verdict) in build_and_run(root, manifest, round, &mut executable_tests)? {
            progress(&mutant, &verdict);
            verdicts.push((mutant, verdict));
        }
    }
    Ok(verdicts)
}

/// The files a mutant changes, as (path from the root, mutated contents).
fn mutated_files(root: &Path, mutant: &Mutant) -> Result<Vec<(String, String)>> {
    mutant
        .files
        .iter()
        .map(|f| {
            let original = std::fs::read_to_string(root.join(&f.path))
                .with_context(|| format!("reading {}", f.path))?;
            Ok((f.path.clone(), f.apply(&original)?))
        })
        .collect()
}

type Pending = (Mutant, Vec<(String, String)>);

/// Takes from `pending` one round: at most one mutant per exercise, no two
/// exercises of which one uses the other, no two mutants changing one file.
fn next_round(
    pending: &mut Vec<Pending>,
    uses: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<Pending> {
    let mut round: Vec<Pending> = Vec::new();
    let mut rest = Vec::new();
    for item in pending.drain(..) {
        let exercise = &item.0.exercise;
        let clashes = round.iter().any(|(other, files)| {
            other.exercise == *exercise
                || uses
                    .get(exercise)
                    .is_some_and(|u| u.contains(&other.exercise))
                || uses
                    .get(&other.exercise)
                    .is_some_and(|u| u.contains(exercise))
                || files
                    .iter()
                    .any(|(p, _)| item.1.iter().any(|(q, _)| p == q))
        });
        if clashes {
            rest.push(item)
        } else {
            round.push(item)
        }
    }
    *pending = rest;
    round
}

/// Which exercises each exercise's tests use, beside its own: an exercise
/// uses another when its reference, its suite file, its probe or a runner
/// program that names it mentions the other's module (`chat_protocol::`).
fn dependencies(root: &Path, manifest: &Manifest) -> BTreeMap<String, BTreeSet<String>> {
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap_or_default();
    let programs: Vec<String> = std::fs::read_dir(root.join("tests/src/programs"))
        .map(|d| d.flatten().map(|e| read(e.path())).collect())
        .unwrap_or_default();
    let mut uses = BTreeMap::new();
    for e in &manifest.exercises {
        let module = module_of(e);
        let chapter = format!("ch{}", e.chapter);
        let mut text = read(e.solution_path(root));
        text += &read(
            root.join("tests/suite")
                .join(&chapter)
                .join(format!("{module}.rs")),
        );
        text += &read(root.join("tests/src/probes").join(format!("{module}.rs")));
        for p in programs
            .iter()
            .filter(|p| p.contains(&format!("{chapter}::{module}")))
        {
            text += p;
        }
        let used: BTreeSet<String> = manifest
            .exercises
            .iter()
            .filter(|o| o.id != e.id)
            .filter(|o| {
                let m = module_of(o);
                text.contains(&format!("{m}::")) || text.contains(&format!("::{m}"))
            })
            .map(|o| o.id.clone())
            .collect();
        uses.insert(e.id.clone(), used);
    }
    uses
}

/// `src/ch2/chat_protocol.rs` → `chat_protocol`.
fn module_of(exercise: &Exercise) -> String {
    Path::new(&exercise.file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Builds one round in the scratch copy and runs each mutant's exercise.
fn build_and_run(
    root: &Path,
    manifest: &Manifest,
    mut round: Vec<Pending>,
    tests_per_exercise: &mut Option<BTreeMap<String, usize>>,
) -> Result<Vec<(Mutant, Verdict)>> {
    let mut verdicts = Vec::new();
    loop {
        if round.is_empty() {
            return Ok(verdicts);
        }
        // A fresh sync puts back the pristine reference of the last round.
        let scratch = Scratch::sync(root, "mutants")?;
        for (_, files) in &round {
            for (path, contents) in files {
                scratch.put(Path::new(path), contents.as_bytes())?;
            }
        }
        let build = suite::build(scratch.root(), Kit::Solutions)?;
        let Some(executable) = build.executable.clone() else {
            // Take out the mutants whose files do not compile, and build the rest again.
            let errors: Vec<Diagnostic> = build.errors().cloned().collect();
            let (broken, fine): (Vec<Pending>, Vec<Pending>) =
                round.into_iter().partition(|(_, files)| {
                    errors.iter().any(|d| {
                        files
                            .iter()
                            .any(|(p, _)| d.file.as_deref() == Some(p.as_str()))
                    })
                });
            if broken.is_empty() {
                bail!(
                    "the reference does not build in the scratch copy {}:\n{}",
                    scratch.root().display(),
                    errors
                        .iter()
                        .map(|d| d.rendered.as_str())
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            for (mutant, files) in broken {
                let own = errors
                    .iter()
                    .filter(|d| {
                        files
                            .iter()
                            .any(|(p, _)| d.file.as_deref() == Some(p.as_str()))
                    })
                    .cloned()
                    .collect();
                verdicts.push((mutant, Verdict::DoesNotCompile(own)));
            }
            round = fine;
            continue;
        };
        let counts = match tests_per_exercise {
            Some(c) => c,
            None => tests_per_exercise.insert(count_tests(scratch.root(), &executable, manifest)?),
        };
        for (mutant, _) in round {
            let exercise = manifest
                .exercise(&mutant.exercise)
                .context("a known exercise")?;
            let threads = counts.get(&mutant.exercise).copied().unwrap_or(1).max(1);
            let verdict = run_exercise(scratch.root(), &executable, exercise, threads)?;
            verdicts.push((mutant, verdict));
        }
        return Ok(verdicts);
    }
}

fn count_tests(
    root: &Path,
    executable: &Path,
    manifest: &Manifest,
) -> Result<BTreeMap<String, usize>> {
    let names = suite::list(root, executable)?;
    Ok(manifest
        .exercises
        .iter()
        .map(|e| {
            let prefix = e.test_prefix();
            (
                e.id.clone(),
                names.iter().filter(|n| n.starts_with(&prefix)).count(),
            )
        })
        .collect())
}

/// Runs an exercise's tests, all at once, and stops at the first failure.
fn run_exercise(
    root: &Path,
    executable: &Path,
    exercise: &Exercise,
    threads: usize,
) -> Result<Verdict> {
    let started = Instant::now();
    let mut child = Command::new(executable)
        .current_dir(root.join("tests"))
        .arg(exercise.test_prefix())
        .args(["--test-threads", &threads.to_string()])
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("running {}", executable.display()))?;
    let stdout = child.stdout.take().context("the test run's stdout")?;
    let (lines, seen) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let verdict = loop {
        let left = LIMIT.saturating_sub(started.elapsed());
        match seen.recv_timeout(left) {
            Ok(line) => {
                if let Some(test) = failed_test(&line) {
                    let after = started.elapsed();
                    break if after <= FAST {
                        Verdict::Caught { test, after }
                    } else {
                        Verdict::Slow { test, after }
                    };
                }
            }
            // The run ended (its stdout closed) and no test failed.
            Err(mpsc::RecvTimeoutError::Disconnected) => break Verdict::Survived,
            Err(mpsc::RecvTimeoutError::Timeout) => break Verdict::Hung,
        }
    };
    // The rest of the run is not needed: stop it, then whatever it started
    // (programs in their own process groups, probes' children) is orphaned to
    // us, the subreaper, and swept.
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    strays::sweep();
    Ok(verdict)
}

/// `test ch1::framing::x ... FAILED` → `ch1::framing::x`.
fn failed_test(line: &str) -> Option<String> {
    let rest = line.strip_prefix("test ")?;
    let (name, status) = rest.rsplit_once(" ... ")?;
    (status.trim() == "FAILED").then(|| {
        name.strip_suffix(" - should panic")
            .unwrap_or(name)
            .to_string()
    })
}

impl Verdict {
    /// Whether the suite did its job for this mutant.
    pub fn is_caught(&self) -> bool {
        matches!(self, Verdict::Caught { .. })
    }

    /// One line (more for compile errors) for the check's output.
    pub fn describe(&self, mutant: &Mutant) -> String {
        let name = &mutant.name;
        let bug = &mutant.description;
        match self {
            Verdict::Caught { test, after } => {
                format!(
                    "mutant {name} caught in {:.1} s by {test}",
                    after.as_secs_f64()
                )
            }
            Verdict::Slow { test, after } => format!(
                "mutant {name} caught only after {:.1} s (by {test}), over the {} s bound: \
                 a test waited out a timeout. Make its waits watch the code under test, so \
                 \"{bug}\" fails at once",
                after.as_secs_f64(),
                FAST.as_secs()
            ),
            Verdict::Survived => format!(
                "mutant {name} survived: no test noticed \"{bug}\". Add a test for it to \
                 tests/suite (one that this wrong version fails and the reference passes)"
            ),
            Verdict::Hung => format!(
                "mutant {name}: its exercise's tests did not finish within {} s, and none failed: \
                 a wait without a bound? (\"{bug}\")",
                LIMIT.as_secs()
            ),
            Verdict::DoesNotApply(why) => format!(
                "mutant {name} no longer applies to the reference; make it again from the \
                 current reference (CONTRIBUTING.md, \"adding a mutant\"):\n{why}"
            ),
            Verdict::DoesNotCompile(errors) => format!(
                "mutant {name} does not compile; a mutant must build and be wrong only in what it does:\n{}",
                // The first lines of the first error say enough; a build shows the rest.
                errors
                    .first()
                    .map(|d| d.rendered.lines().take(12).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// `cargo xtask mutants [WHAT]`: runs the mutants of `what` (all, a chapter
/// or an exercise), prints a line each, and returns whether all were caught.
pub fn command(root: &Path, manifest: &Manifest, what: &str) -> Result<bool> {
    let started = Instant::now();
    let exercises: BTreeSet<String> = manifest
        .select(what)?
        .iter()
        .map(|e| e.id.clone())
        .collect();
    let (mutants, problems) = load(root, manifest)?;
    let mine: Vec<Mutant> = mutants
        .into_iter()
        .filter(|m| exercises.contains(&m.exercise))
        .collect();
    let mut failed = 0;
    for problem in &problems {
        println!("  FAIL  {}", problem.0);
        failed += 1;
    }
    let few: Vec<_> = too_few(manifest, &mine)
        .into_iter()
        .filter(|(id, _)| exercises.contains(id))
        .collect();
    for (id, n) in &few {
        println!(
            "  FAIL  {id} has {n} mutants; write at least {AT_LEAST}: the classic wrong versions \
             (mutants/{id}__<what-is-wrong>.patch, see CONTRIBUTING.md)"
        );
        failed += 1;
    }
    println!(
        "Running {} mutants of {} (building in target/scratch/mutants; the first build takes a few minutes)…",
        mine.len(),
        describe(what)
    );
    let verdicts = run_all(root, manifest, &mine, print_verdict)?;
    let caught = verdicts.iter().filter(|(_, v)| v.is_caught()).count();
    failed += verdicts.len() - caught;
    println!("\ntook {:.0} s", started.elapsed().as_secs_f64());
    println!("mutants: {caught} passed, {failed} failed");
    Ok(failed == 0)
}

fn describe(what: &str) -> String {
    match what {
        "all" => "every exercise".to_string(),
        w => format!("`{w}`"),
    }
}

/// Prints a verdict as the kit's checks do: `ok` or `FAIL`, then the lines.
pub fn print_verdict(mutant: &Mutant, verdict: &Verdict) {
    let text = verdict.describe(mutant);
    let mut lines = text.lines();
    let mark = if verdict.is_caught() { "ok  " } else { "FAIL" };
    println!("  {mark}  {}", lines.next().unwrap_or_default());
    for line in lines {
        println!("        {line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutant(name: &str, exercise: &str, files: &[&str]) -> Pending {
        let m = Mutant {
            name: name.into(),
            exercise: exercise.into(),
            description: "wrong".into(),
            files: Vec::new(),
        };
        (
            m,
            files
                .iter()
                .map(|f| (f.to_string(), String::new()))
                .collect(),
        )
    }

    #[test]
    fn a_round_keeps_apart_one_exercise_and_the_exercises_it_uses() {
        let mut uses = BTreeMap::new();
        uses.insert(
            "chat-server".to_string(),
            BTreeSet::from(["chat-protocol".to_string()]),
        );
        let mut pending = vec![
            mutant("framing__a", "framing", &["solutions/src/ch1/framing.rs"]),
            mutant("framing__b", "framing", &["solutions/src/ch1/framing.rs"]),
            mutant(
                "chat-protocol__a",
                "chat-protocol",
                &["solutions/src/ch2/chat_protocol.rs"],
            ),
            mutant(
                "chat-server__a",
                "chat-server",
                &["solutions/src/ch2/chat_server.rs"],
            ),
            mutant(
                "udp-dict__a",
                "udp-dict",
                &["solutions/src/ch1/udp_dict.rs"],
            ),
        ];
        let names = |r: &[Pending]| r.iter().map(|(m, _)| m.name.clone()).collect::<Vec<_>>();
        let first = next_round(&mut pending, &uses);
        assert_eq!(
            names(&first),
            ["framing__a", "chat-protocol__a", "udp-dict__a"],
            "one mutant per exercise, and chat-server waits for chat-protocol"
        );
        let second = next_round(&mut pending, &uses);
        assert_eq!(
            names(&second),
            ["framing__b", "chat-server__a"],
            "the rest, in a second round"
        );
        assert!(pending.is_empty(), "nothing left after two rounds");
    }

    #[test]
    fn reads_failed_lines_only() {
        assert_eq!(
            failed_test("test ch1::a::b ... FAILED").as_deref(),
            Some("ch1::a::b"),
            "a failure"
        );
        assert_eq!(
            failed_test("test ch1::a::c - should panic ... FAILED").as_deref(),
            Some("ch1::a::c"),
            "a should_panic test's name"
        );
        assert_eq!(
            failed_test("test ch1::a::b ... ok"),
            None,
            "a pass is no failure"
        );
        assert_eq!(failed_test("failures:"), None, "other lines are ignored");
    }
}
