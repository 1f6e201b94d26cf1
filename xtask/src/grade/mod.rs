//! `cargo xtask grade`: a submission's points, test by test.
//!
//! ```text
//! cargo xtask grade --submission PATH [--chapter N | --exercise ID …] [--format F] [--out FILE]
//!   └─ submission::files            only PATH's exercises/src (never its tests, manifests, xtask);
//!                                   the kit's solutions/src and mutants/ withheld from the copy
//!   └─ Scratch::sync_with(…, "grade")   target/scratch/grade: the teacher's kit with those files
//!                                   overlaid; its target/ is shared by every submission, so the
//!                                   dependencies build once and each submission rebuilds only
//!                                   the student's crate and what depends on it
//!   └─ compile::build               under Landlock (reads: the system, the toolchain, the copy);
//!                                   broken files replaced by their stubs (check's mechanism)
//!   └─ list (in the sandbox)        the tests of the chosen exercises
//!   └─ for each test: Sandbox::run(suite NAME --exact)   own process, group, limits, user;
//!        killed after it, with all it started; the report is rewritten after every test
//! ```
//!
//! Points: an exercise's `points` (kit.toml) are shared equally by its tests.
//! `--batch DIR` grades each folder of DIR by a child grader ([`batch`]).

pub mod batch;
mod compile;
mod landlock;
pub mod regrade;
pub mod report;
mod sandbox;
mod submission;

use crate::manifest::{Exercise, Manifest};
use crate::scratch::Scratch;
use crate::strays;
use crate::suite;
use anyhow::{Context, Result, bail};
use report::{ExerciseGrade, Format, Outcome, Report, TestGrade};
use sandbox::{Ended, Limits, Sandbox};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What to grade, and where the report goes.
#[derive(Debug, Clone)]
pub struct Request {
    pub submission: PathBuf,
    /// Chapter numbers; with `exercises`, their union; both empty: all.
    pub chapters: Vec<u32>,
    pub exercises: Vec<String>,
    pub format: Format,
    /// Rewritten after every test; none: the report goes to stdout at the end.
    pub out: Option<PathBuf>,
    /// Overrides every exercise's wall-clock limit per test.
    pub timeout: Option<Duration>,
    /// Only tests whose names contain one of these (`--test`; the grader's
    /// own tests use it to keep to a few); empty: every test.
    pub only: Vec<String>,
    /// The scratch copy's name under `target/scratch/`.
    pub scratch: String,
    /// Where to write, once graded, the points per exercise and the total
    /// (JSON: `{"exercises": {"udp-dict": 20.0, …}, "total": …, "max": …}`),
    /// for `--batch`'s CSV.
    pub summary: Option<PathBuf>,
    /// `--regrade`: keep the earlier report at `out` (in `previous/<time>/`
    /// beside it) and say how the total changed; see [`regrade`].
    pub regrade: bool,
}

impl Request {
    pub fn new(submission: PathBuf) -> Request {
        Request {
            submission,
            chapters: Vec::new(),
            exercises: Vec::new(),
            format: Format::Markdown,
            out: None,
            timeout: None,
            only: Vec::new(),
            scratch: "grade".into(),
            summary: None,
            regrade: false,
        }
    }
}

/// `cargo xtask grade`: grades, prints progress on stderr, writes the
/// report, and ends with the closing lines. `Ok(true)` once graded,
/// whatever the score: a low grade is not the grader's failure.
///
/// With `request.regrade`, `request.out` is required; an earlier report
/// there moves to `previous/<UTC time>/` beside it before grading, and the
/// closing lines end with `was X, now Y` (X `unknown` when that report
/// holds no total: JUnit, another format). Without `regrade` an earlier
/// report is overwritten, with a note on stderr.
pub fn command(root: &Path, manifest: &Manifest, request: &Request) -> Result<bool> {
    let mut was = None;
    match (&request.out, request.regrade) {
        (None, true) => bail!(
            "--regrade keeps the earlier report of --out FILE beside the new one: give --out \
             (the report goes to stdout without it, and there is nothing to keep)"
        ),
        (Some(out), true) => match regrade::keep_report(out, std::time::SystemTime::now())? {
            Some(kept) => {
                let text = std::fs::read_to_string(&kept).unwrap_or_default();
                eprintln!("(the earlier report is now in {})", kept.display());
                was = Some(match regrade::report_total(request.format, &text) {
                    Some(total) => format!("{} points", report::points(total)),
                    None => format!("unknown ({} holds no total)", kept.display()),
                });
            }
            None => eprintln!(
                "(--regrade: there is no earlier report at {}; grading as a first one)",
                out.display()
            ),
        },
        (Some(out), false) if out.is_file() && request.summary.is_none() => eprintln!(
            "(replacing the earlier report at {}; --regrade would keep it beside the new one)",
            out.display()
        ),
        _ => {}
    }
    let report = grade(root, manifest, request)?;
    if request.out.is_none() {
        print!("{}", report.render(request.format)?);
    } else {
        println!("{}\n{}", report.closing_line(), report.total_line());
        if let Some(was) = was {
            println!("was {was}, now {} points", report::points(report.score()));
        }
    }
    Ok(true)
}

/// `cargo xtask grade --batch DIR`: see [`batch`]. `request` carries the
/// selection and limits for every submission (its `submission` is unused),
/// and `--regrade`.
pub fn batch_command(
    root: &Path,
    manifest: &Manifest,
    dir: &Path,
    out: Option<&Path>,
    request: &Request,
) -> Result<bool> {
    let exercises = selected(manifest, request)?;
    let mut child_args = Vec::new();
    for n in &request.chapters {
        child_args.extend(["--chapter".to_string(), n.to_string()]);
    }
    for id in &request.exercises {
        child_args.extend(["--exercise".to_string(), id.clone()]);
    }
    for test in &request.only {
        child_args.extend(["--test".to_string(), test.clone()]);
    }
    if let Some(timeout) = request.timeout {
        child_args.extend(["--timeout".to_string(), timeout.as_secs().to_string()]);
    }
    let default_out = root.join("target/grade");
    let out = out.unwrap_or(&default_out);
    let graded = batch::run(&batch::Batch {
        dir,
        out,
        format: request.format,
        child_args,
        exercises: exercises.iter().map(|e| e.id.clone()).collect(),
        regrade: request.regrade,
    })?;
    let rows = &graded.rows;
    let failed = rows.iter().filter(|r| r.total.is_none()).count();
    println!(
        "{} submissions graded, {failed} could not be; {}",
        rows.len() - failed,
        out.join("summary.csv").display()
    );
    if let Some(kept) = &graded.kept {
        if graded.earlier.is_some() {
            let mut students: Vec<&str> =
                graded.changes.iter().map(|c| c.student.as_str()).collect();
            students.dedup();
            println!(
                "{} exercise grades changed, of {} students: {}",
                graded.changes.len(),
                students.len(),
                out.join("changes.csv").display()
            );
        }
        println!("the earlier results: {}", kept.display());
    }
    Ok(true)
}

/// The exercises `request` asks for, in kit.toml's order.
fn selected<'m>(manifest: &'m Manifest, request: &Request) -> Result<Vec<&'m Exercise>> {
    for id in &request.exercises {
        if manifest.exercise(id).is_none() {
            manifest.select(id)?;
            bail!("`{id}` is not an exercise");
        }
    }
    for &n in &request.chapters {
        match manifest.chapter(n) {
            None => bail!("kit.toml has no chapter {n}"),
            Some(c) => {
                manifest.select(&c.id)?;
            }
        }
    }
    let all = request.chapters.is_empty() && request.exercises.is_empty();
    Ok(manifest
        .exercises
        .iter()
        .filter(|e| {
            all || request.chapters.contains(&e.chapter) || request.exercises.contains(&e.id)
        })
        .collect())
}

/// Grades one submission and returns its report (also written to
/// `request.out` after every test).
pub fn grade(root: &Path, manifest: &Manifest, request: &Request) -> Result<Report> {
    let started = Instant::now();
    let exercises = selected(manifest, request)?;
    let mut files = submission::files(&request.submission)?;
    withhold_the_reference(root, &mut files)?;
    strays::become_subreaper();
    let mut sandbox = Sandbox::new()?;
    let base = scratch_base(root, &sandbox)?;
    sandbox.use_tmp(&base.join(format!("{}-tmp", request.scratch)))?;
    let at = base.join(&request.scratch);
    if !at.join("target").exists() {
        eprintln!(
            "(building the grader's copy of the kit in {}: its first build takes a few minutes; later submissions rebuild only their own crate)",
            at.display()
        );
    }
    let copy = Scratch::sync_into(root, &at, &files)?;
    let built = compile::build(root, manifest, &copy)?;
    sandbox.allow_read(copy.root());
    let listed = list(&mut sandbox, &built.executable, copy.root())?;

    let mut report = Report {
        submission: request.submission.display().to_string(),
        exercises: Vec::new(),
        isolation: format!("{}; {}", built.isolation, sandbox.describe()),
        replaced: built.replaced.clone(),
        complete: false,
        seconds: 0.0,
    };
    for exercise in &exercises {
        let prefix = exercise.test_prefix();
        for hidden in &exercise.hidden {
            if !listed
                .iter()
                .any(|t| t.starts_with(&format!("{prefix}{hidden}")))
            {
                eprintln!(
                    "warning: kit.toml hides `{hidden}` of {}, but the suite has no test \
                     {prefix}{hidden}…: is the name right?",
                    exercise.id
                );
            }
        }
        let names: Vec<&String> = listed
            .iter()
            .filter(|t| t.starts_with(&prefix))
            .filter(|t| {
                request.only.is_empty() || request.only.iter().any(|o| t.contains(o.as_str()))
            })
            .collect();
        let errors = built.broken.get(&exercise.id);
        let share = exercise.points as f64 / names.len().max(1) as f64;
        report.exercises.push(ExerciseGrade {
            id: exercise.id.clone(),
            title: exercise.title.clone(),
            chapter: exercise.chapter,
            chapter_title: manifest
                .chapter(exercise.chapter)
                .map(|c| c.title.clone())
                .unwrap_or_default(),
            points: exercise.points as f64,
            file: exercise.file.clone(),
            compile_errors: errors
                .map(|e| e.iter().map(|d| d.rendered.clone()).collect())
                .unwrap_or_default(),
            tests: names
                .iter()
                .map(|name| TestGrade {
                    name: name.to_string(),
                    max: share,
                    outcome: if errors.is_some() {
                        Outcome::NotCompiled
                    } else {
                        Outcome::Pending
                    },
                    seconds: 0.0,
                    output: String::new(),
                    hidden: exercise.hides(name),
                })
                .collect(),
        });
    }
    let write = |report: &Report| -> Result<()> {
        match &request.out {
            Some(path) => report.write(request.format, path),
            None => Ok(()),
        }
    };
    write(&report)?;
    let cwd = copy.root().join("tests");
    for (e, exercise) in exercises.iter().enumerate() {
        let limits = Limits::with_wall(request.timeout.unwrap_or_else(|| exercise.test_timeout()));
        for t in 0..report.exercises[e].tests.len() {
            if report.exercises[e].tests[t].outcome != Outcome::Pending {
                continue;
            }
            let name = report.exercises[e].tests[t].name.clone();
            let ran = sandbox.run(&built.executable, &[&name, "--exact"], &cwd, &limits)?;
            let (outcome, output) = judge(&name, &ran, &limits);
            eprintln!(
                "  {:<9} {name} ({:.1} s)",
                outcome.word(),
                ran.elapsed.as_secs_f64()
            );
            let test = &mut report.exercises[e].tests[t];
            test.outcome = outcome;
            test.output = output;
            test.seconds = ran.elapsed.as_secs_f64();
            report.seconds = started.elapsed().as_secs_f64();
            write(&report)?;
        }
    }
    report.complete = true;
    report.seconds = started.elapsed().as_secs_f64();
    write(&report)?;
    if let Some(path) = &request.summary {
        let exercises: serde_json::Map<String, serde_json::Value> = report
            .exercises
            .iter()
            .map(|e| (e.id.clone(), e.score().into()))
            .collect();
        let summary = serde_json::json!({
            "exercises": exercises,
            "total": report.score(),
            "max": report.max_score(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(report)
}

/// The tests of the suite built from the submission, listed in the
/// sandbox: a submission's code can run before `main` (a function in
/// `.init_array`), so even `--list` runs it.
fn list(sandbox: &mut Sandbox, executable: &Path, copy: &Path) -> Result<Vec<String>> {
    let limits = Limits {
        // A name a line: the whole list, however long the suite grows.
        output: 16 << 20,
        ..Limits::with_wall(Duration::from_secs(30))
    };
    let ran = sandbox.run(
        executable,
        &["--list", "--format", "terse"],
        &copy.join("tests"),
        &limits,
    )?;
    if ran.ended != Ended::Exited(0) || ran.truncated {
        bail!(
            "the suite built with this submission could not list its tests ({:?}); it said:\n{}",
            ran.ended,
            ran.stderr.lines().take(20).collect::<Vec<_>>().join("\n")
        );
    }
    Ok(suite::listed(&ran.stdout))
}

/// What the grader's copy has in place of each file of `solutions/src` and
/// `mutants/`.
pub const WITHHELD: &str =
    "// Not in the grader's copy of the kit: the reference is the teacher's.\n";

/// Overlays every file of the kit's `solutions/src` and `mutants/` with
/// [`WITHHELD`]: the suite is built without the `solutions` feature, so
/// nothing needs them, and a student's `#[path = "…/solutions/…"] mod` or
/// `include_str!` must not find the reference in the copy it is built in.
fn withhold_the_reference(
    root: &Path,
    files: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>,
) -> Result<()> {
    fn walk(root: &Path, rel: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
        let dir = root.join(rel);
        if !dir.is_dir() {
            return Ok(());
        }
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                walk(root, &rel, found)?;
            } else {
                found.push(rel);
            }
        }
        Ok(())
    }
    let mut found = Vec::new();
    walk(root, Path::new("solutions/src"), &mut found)?;
    walk(root, Path::new("mutants"), &mut found)?;
    for rel in found {
        files.insert(rel, WITHHELD.as_bytes().to_vec());
    }
    Ok(())
}

/// Where the grader's copy of the kit and the tests' temporary folders go:
/// `target/scratch`, if the tests' user can reach it; else (the grader is
/// root, and a folder above the kit is closed to others, as /root is) a
/// folder of the system's temporary one, named for the kit, open to read.
fn scratch_base(root: &Path, sandbox: &Sandbox) -> Result<PathBuf> {
    let inside = root.join("target/scratch");
    std::fs::create_dir_all(&inside).with_context(|| format!("creating {}", inside.display()))?;
    if sandbox.can_reach(&inside) {
        return Ok(inside);
    }
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut hasher);
    let outside = std::env::temp_dir().join(format!("netkit-grade-{:016x}", hasher.finish()));
    std::fs::create_dir_all(&outside).with_context(|| format!("creating {}", outside.display()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o755))?;
    }
    if !sandbox.can_reach(&outside) {
        bail!(
            "the tests run as an unprivileged user, who can reach neither {} nor {}: \
             make a folder above the kit searchable by others (chmod o+x), or set TMPDIR \
             to a folder they can reach",
            inside.display(),
            outside.display()
        );
    }
    eprintln!(
        "(the tests' user cannot reach {}, so the grader's copy of the kit is in {})",
        inside.display(),
        outside.display()
    );
    Ok(outside)
}

/// How many lines of a failing test's output the report keeps.
const OUTPUT_LINES: usize = 40;

/// A test's outcome from how its process ended and what libtest printed,
/// and the end of its output when it did not pass.
fn judge(name: &str, ran: &sandbox::Ran, limits: &Limits) -> (Outcome, String) {
    let run = suite::parse(&ran.stdout);
    let outcome = match &ran.ended {
        Ended::TimedOut => Outcome::TimedOut {
            limit_s: limits.wall.as_secs(),
        },
        Ended::Signalled(signal) => Outcome::Crashed { signal: *signal },
        Ended::Exited(code) => match run.outcomes.get(name) {
            Some(suite::Outcome::Passed) if *code == 0 => Outcome::Passed,
            Some(suite::Outcome::Passed) => Outcome::Missing {
                why: format!("libtest reported it ok, but the process exited with code {code}"),
            },
            Some(suite::Outcome::Failed(failure)) => Outcome::Failed {
                message: failure.shown().to_string(),
            },
            Some(suite::Outcome::Ignored) => Outcome::Missing {
                why: "the suite marks it #[ignore]: it was not run".into(),
            },
            None => Outcome::Missing {
                why: format!(
                    "the suite lists this test, but its run (exit code {code}) did not report it: \
                     the test binary may have exited from inside the test (`std::process::exit`)"
                ),
            },
        },
    };
    if outcome.is_pass() {
        return (outcome, String::new());
    }
    let mut output = String::new();
    for (label, text) in [("stdout", &ran.stdout), ("stderr", &ran.stderr)] {
        let lines: Vec<&str> = text.lines().collect();
        if lines.is_empty() {
            continue;
        }
        let from = lines.len().saturating_sub(OUTPUT_LINES);
        output.push_str(&format!(
            "--- its {label}{} ---\n",
            if from > 0 { " (last lines)" } else { "" }
        ));
        for line in &lines[from..] {
            output.push_str(line);
            output.push('\n');
        }
    }
    if ran.truncated {
        output.push_str(&format!(
            "(its output was cut: only the first {} KiB of each stream are kept)\n",
            limits.output >> 10
        ));
    }
    (outcome, output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(ended: Ended, stdout: &str) -> sandbox::Ran {
        sandbox::Ran {
            ended,
            stdout: stdout.into(),
            stderr: String::new(),
            truncated: false,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_test_the_run_does_not_report_is_an_error_never_a_pass() {
        let limits = Limits::with_wall(Duration::from_secs(3));
        let name = "ch1::a::one";
        let (outcome, _) = judge(name, &ran(Ended::Exited(0), "\nrunning 1 test\n"), &limits);
        assert!(
            matches!(outcome, Outcome::Missing { .. }),
            "a test binary that exits 0 without reporting the test (std::process::exit \
             inside it) must not pass: got {outcome:?}"
        );
        let ok = format!("test {name} ... ok\n");
        let (outcome, _) = judge(name, &ran(Ended::Exited(0), &ok), &limits);
        assert_eq!(outcome, Outcome::Passed, "reported ok, exit 0: passed");
        let (outcome, _) = judge(name, &ran(Ended::Exited(101), &ok), &limits);
        assert!(
            matches!(outcome, Outcome::Missing { .. }),
            "reported ok but exited 101 (a later abort of the binary): not a pass, got {outcome:?}"
        );
        let (outcome, _) = judge(name, &ran(Ended::Signalled(libc::SIGSEGV), &ok), &limits);
        assert_eq!(
            outcome,
            Outcome::Crashed {
                signal: libc::SIGSEGV
            },
            "a signal after the ok line is still a crash"
        );
        let (outcome, _) = judge(name, &ran(Ended::TimedOut, ""), &limits);
        assert_eq!(
            outcome,
            Outcome::TimedOut { limit_s: 3 },
            "past the wall clock"
        );
    }
}
