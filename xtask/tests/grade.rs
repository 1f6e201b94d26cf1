//! The grader's own test: `cargo xtask grade` on a submission made of the
//! bad fixtures of `xtask/fixtures/grade` (see its README), one exercise
//! each, beside two exercises solved by the reference (one through a probe
//! that forks) and two left stubs, one of them with tests and a kit.toml
//! that the submission "edited".
//!
//! It runs the real `xtask` binary (so the grader is a process of its own,
//! a subreaper whose sweep cannot touch this test process's other
//! children), on one or two tests per exercise with a 3 s limit, to stay
//! fast: one incremental build of the grader's scratch copy (plus one for
//! the file that does not compile) and about 20 s of tests; then the same
//! submission in a `--batch` beside a folder that is no submission (no
//! rebuild: the files are the same), the same batch refused into the same
//! folder, then `--regrade`d there (the batch and one submission, a few
//! seconds more: the merge of the summaries is tested without grading, in
//! `grade::regrade`'s unit tests).

use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The whole grading, build included, must end within this.
const GRADING_LIMIT: Duration = Duration::from_secs(900);

/// A misbehaviour, the exercise it is planted in, and the test graded.
struct Planted {
    fixture: &'static str,
    exercise_file: &'static str,
    test: &'static str,
}

const PLANTED: &[Planted] = &[
    Planted {
        fixture: "loops_forever.rs",
        exercise_file: "src/ch1/framing.rs",
        test: "ch1::framing::decoder_accepts_a_frame_of_exactly_its_limit",
    },
    Planted {
        fixture: "deadlocks.rs",
        exercise_file: "src/ch2/event.rs",
        test: "ch2::event::a_set_from_another_thread_releases_a_waiter::case_1_wait",
    },
    Planted {
        fixture: "fork_bomb.rs",
        exercise_file: "src/ch2/prime_sum.rs",
        test: "ch2::prime_sum::is_prime_knows_primes_from_composites::case_01_zero",
    },
    Planted {
        fixture: "allocates.rs",
        exercise_file: "src/ch2/chat_protocol.rs",
        test: "ch2::chat_protocol::check_name_accepts_a_good_name::case_1_latin",
    },
    Planted {
        fixture: "prints.rs",
        exercise_file: "src/ch2/bank_transfer.rs",
        test: "ch2::bank_transfer::a_bad_transfer_is_refused_and_moves_nothing::case_1_an_unknown_source",
    },
    Planted {
        fixture: "aborts.rs",
        exercise_file: "src/ch2/alternate.rs",
        test: "ch2::alternate::take_turns_alternates_strictly::case_2_one_round",
    },
    Planted {
        fixture: "leaves_child.rs",
        exercise_file: "src/ch2/ticket_counter.rs",
        test: "ch2::ticket_counter::a_window_holds_the_lock_from_its_check_to_its_take",
    },
    Planted {
        fixture: "reads_at_run.rs",
        exercise_file: "src/ch2/copy_dir.rs",
        test: "ch2::copy_dir::copy_file_never_overwrites_an_existing_file",
    },
    Planted {
        fixture: "writes_outside.rs",
        exercise_file: "src/ch2/ticket_office.rs",
        test: "ch2::ticket_office::all_tickets_are_sold_exactly_once_in_fair_shares::case_1_the_seeds_office",
    },
];

/// The exercise whose file does not compile, and a test of it.
const BROKEN: (&str, &str, &str) = (
    "compile_error.rs",
    "src/ch1/tcp_header.rs",
    "ch1::tcp_header::data_moves_the_sequence_number_by_its_length",
);
/// The exercise whose file includes the teacher's reference at compile
/// time, and a test of it.
const STEALS: (&str, &str, &str) = (
    "reads_at_build.rs",
    "src/ch2/process_queue.rs",
    "ch2::process_queue::messages_come_out_in_the_order_they_went_in",
);
/// Solved with the reference (file, test, the exercise's points): one
/// called in the test process, one through a probe that forks.
const SOLVED: &[(&str, &str, f64)] = &[
    (
        "src/ch1/upload_header.rs",
        "ch1::upload_header::header_parsing_accepts_a_good_line::case_1_small_file",
        10.0,
    ),
    (
        "src/ch2/fork_basics.rs",
        "ch2::fork_basics::arguments_reach_each_child",
        10.0,
    ),
];
/// Left a stub; the submission's own tests and kit.toml claim it passes.
const EDITED: &str = "ch1::udp_dict::answers_words_over_udp";
/// Left a stub, through a probe: every test of it is graded.
const STUB: &str = "ch2::split_file::";

const ESCAPED_TMP: &str = "/tmp/netkit-grade-escaped-by-a-submission";
const LEFT_BEHIND: &str = "86399";

fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is in the kit")
        .to_path_buf()
}

/// The pristine stub with the fixture's header after its inner doc comment
/// and attributes (where inner attributes must be), so that the fixture's
/// `todo!` shadows the standard one for the rest of the file.
fn planted(kit: &Path, fixture: &str, exercise_file: &str) -> String {
    let header = fs::read_to_string(kit.join("xtask/fixtures/grade").join(fixture))
        .expect("the fixture's header");
    let stub = fs::read_to_string(kit.join("xtask/stubs").join(exercise_file))
        .expect("the exercise's pristine stub");
    let lines: Vec<&str> = stub.lines().collect();
    let head = lines
        .iter()
        .take_while(|l| l.starts_with("//!") || l.starts_with("#![") || l.trim().is_empty())
        .count();
    let (inner, header_attrs): (Vec<&str>, Vec<&str>) =
        header.lines().partition(|l| !l.starts_with("#!["));
    format!(
        "{}\n{}\n{}\n{}\n",
        lines[..head].join("\n"),
        header_attrs.join("\n"),
        inner.join("\n"),
        lines[head..].join("\n")
    )
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("the submission's folders");
    fs::write(path, text).expect("a submission's file");
}

/// Runs the command, waiting at most `limit` (then kills it).
fn output_within(mut command: Command, limit: Duration) -> std::process::Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting cargo xtask grade");
    let pid = child.id() as i32;
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(limit) {
        Ok(output) => output.expect("waiting for cargo xtask grade"),
        Err(_) => {
            // SAFETY: a plain system call on our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            panic!(
                "cargo xtask grade did not finish within {limit:?}: a wait of the grader is unbounded"
            )
        }
    }
}

/// The pids whose command line contains `needle`.
fn processes_with(needle: &str) -> Vec<String> {
    fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|e| {
            let cmdline = fs::read(e.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            cmdline
                .contains(needle)
                .then(|| format!("{} `{}`", e.file_name().to_string_lossy(), cmdline.trim()))
        })
        .collect()
}

#[test]
fn bad_submissions_are_graded_within_their_limits_and_leave_nothing_behind() {
    let kit = kit();
    if !kit.join("solutions/Cargo.toml").is_file() {
        // A student's hand-out (`cargo xtask dist`): no reference to plant.
        eprintln!("skipped: this copy of the kit has no solutions/ to grade against");
        return;
    }
    let dir = tempfile::tempdir().expect("a temp folder");
    let submission = dir.path().join("student");
    let src = submission.join("exercises");
    for p in PLANTED {
        write(
            &src.join(p.exercise_file),
            &planted(&kit, p.fixture, p.exercise_file),
        );
    }
    let broken = fs::read_to_string(kit.join("xtask/fixtures/grade").join(BROKEN.0)).unwrap();
    let stub = fs::read_to_string(kit.join("xtask/stubs").join(BROKEN.1)).unwrap();
    write(&src.join(BROKEN.1), &format!("{stub}\n{broken}"));
    write(&src.join(STEALS.1), &planted(&kit, STEALS.0, STEALS.1));
    for (file, _, _) in SOLVED {
        let reference = fs::read_to_string(kit.join("solutions").join(file)).unwrap();
        write(&src.join(file), &reference);
    }
    let fixtures = kit.join("xtask/fixtures/grade");
    write(
        &submission.join("tests/suite/ch1/udp_dict.rs"),
        &fs::read_to_string(fixtures.join("edited_test.rs")).unwrap(),
    );
    write(
        &submission.join("kit.toml"),
        &fs::read_to_string(fixtures.join("edited_kit.toml")).unwrap(),
    );
    let _ = fs::remove_file(ESCAPED_TMP);
    // Where the grader's copy is when the tests' user can reach the kit;
    // elsewhere, the fixture's own message (below) still says the write failed.
    let escaped_kit = kit.join("target/scratch/grade/tests/suite/escaped-by-a-submission");
    let _ = fs::remove_file(&escaped_kit);

    let results = dir.path().join("results.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .current_dir(&kit)
        .args(["grade", "--submission"])
        .arg(&submission)
        .args(["--format", "gradescope", "--timeout", "3", "--out"])
        .arg(&results);
    let mut tests: Vec<&str> = PLANTED.iter().map(|p| p.test).collect();
    tests.extend([BROKEN.2, STEALS.2, EDITED]);
    tests.extend(SOLVED.iter().map(|(_, test, _)| *test));
    for test in &tests {
        let id = test
            .split("::")
            .nth(1)
            .expect("chN::module::test")
            .replace('_', "-");
        command.args(["--exercise", &id, "--test", test]);
    }
    command.args(["--exercise", "split-file", "--test", STUB]);
    let output = output_within(command, GRADING_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo xtask grade failed ({}):\n{stderr}",
        output.status
    );
    let report: Value = serde_json::from_str(&fs::read_to_string(&results).expect("results.json"))
        .expect("results.json must be valid JSON");
    let by_name: BTreeMap<&str, &Value> = report["tests"]
        .as_array()
        .expect("a tests array")
        .iter()
        .map(|t| (t["name"].as_str().unwrap_or_default(), t))
        .collect();
    let of = |name: &str| -> (&str, f64, f64) {
        let t = by_name.get(name).unwrap_or_else(|| {
            panic!(
                "results.json has no test {name}; it has {:?}",
                by_name.keys()
            )
        });
        (
            t["output"].as_str().unwrap_or_default(),
            t["score"].as_f64().unwrap_or(-1.0),
            t["max_score"].as_f64().unwrap_or(-1.0),
        )
    };
    let expect = |name: &str, starts: &[&str], why: &str| {
        let (output, score, _) = of(name);
        assert!(
            starts.iter().any(|s| output.starts_with(s)),
            "{name}: expected an outcome starting with {starts:?} ({why}), got:\n{output}"
        );
        assert_eq!(score, 0.0, "{name} must score nothing");
    };
    expect(PLANTED[0].test, &["timed out"], "a loop that never ends");
    expect(PLANTED[1].test, &["timed out"], "a deadlock");
    expect(
        PLANTED[2].test,
        &["timed out"],
        "a fork bomb held at RLIMIT_NPROC until the wall clock",
    );
    expect(
        PLANTED[3].test,
        &["crashed: killed by SIGABRT"],
        "an allocation refused at RLIMIT_AS aborts",
    );
    expect(PLANTED[4].test, &["timed out"], "output without end");
    assert!(
        of(PLANTED[4].test).0.contains("its output was cut"),
        "the endless output must be cut: {}",
        of(PLANTED[4].test).0
    );
    expect(PLANTED[5].test, &["crashed: killed by SIGABRT"], "an abort");
    expect(PLANTED[6].test, &["failed: left a sleep"], "its own panic");
    let landlock = report["output"]
        .as_str()
        .unwrap_or_default()
        .contains("Landlock (ABI");
    expect(
        PLANTED[7].test,
        &["failed: read the teacher's reference: "],
        "its own panic",
    );
    if landlock {
        assert!(
            of(PLANTED[7].test).0.contains("reference: Err("),
            "with Landlock, a test must not read the teacher's tree above the grader's copy: {}",
            of(PLANTED[7].test).0
        );
    }
    expect(
        STEALS.2,
        &["not run: the exercise's file does not compile"],
        "with Landlock the build may not read the teacher's solutions/; without, the path \
         is outside the grader's copy",
    );
    // Elsewhere (the tests' user cannot reach the kit), the climb misses it.
    let copy_in_kit = !stderr.contains("so the grader's copy of the kit is in");
    if landlock && copy_in_kit {
        assert!(
            report["output"]
                .as_str()
                .unwrap_or_default()
                .contains("Permission denied"),
            "the report must show that the build was refused the teacher's file: {}",
            report["output"]
        );
    }
    expect(
        PLANTED[8].test,
        &["failed: writes outside my temporary folder: into the kit Err("],
        "the write into the kit's copy must be refused",
    );
    if landlock {
        assert!(
            of(PLANTED[8].test).0.contains("into /tmp Err("),
            "with Landlock, writing into /tmp must be refused too: {}",
            of(PLANTED[8].test).0
        );
        assert!(
            !Path::new(ESCAPED_TMP).exists(),
            "{ESCAPED_TMP} was written"
        );
    }
    assert!(
        !escaped_kit.exists(),
        "a test wrote into the grader's copy of the kit: {}",
        escaped_kit.display()
    );
    expect(
        BROKEN.2,
        &["not run: the exercise's file does not compile"],
        "its file is broken",
    );
    assert!(
        report["output"]
            .as_str()
            .unwrap_or_default()
            .contains("NOT_A_NUMBER"),
        "the report must show the compiler's message for the broken file: {}",
        report["output"]
    );
    for (_, test, points) in SOLVED {
        let (output, score, max) = of(test);
        assert!(
            score == max && max == *points,
            "{test}, of the reference, must get its exercise's {points} points, got {score} of \
             {max}: {output}"
        );
    }
    let stub: Vec<_> = by_name
        .iter()
        .filter(|(name, _)| name.starts_with(STUB))
        .collect();
    assert!(
        stub.len() > 1 && stub.iter().all(|(_, t)| t["score"].as_f64() == Some(0.0)),
        "every test of the split-file stub must score 0: {stub:?}"
    );
    let (output, score, max) = of(EDITED);
    assert!(
        score == 0.0 && max == 20.0,
        "the stub whose tests and kit.toml the student edited must get 0 of kit.toml's 20 points, \
         got {score} of {max}: {output}"
    );
    assert_eq!(
        report["score"].as_f64(),
        Some(SOLVED.iter().map(|(_, _, points)| points).sum::<f64>()),
        "the total is the solved exercises' points alone: {report}"
    );
    let copy_of_reference = kit.join("target/scratch/grade/solutions").join(SOLVED[0].0);
    if let Ok(text) = fs::read_to_string(&copy_of_reference) {
        assert!(
            text.starts_with("// Not in the grader's copy"),
            "the grader's copy must not hold the reference, which a submission could include: \
             {} holds {} bytes of it",
            copy_of_reference.display(),
            text.len()
        );
    }
    let left = processes_with(&format!("sleep {LEFT_BEHIND}"));
    assert!(
        left.is_empty(),
        "the grader left processes behind: {left:?} (the test's child in a session of its own)"
    );

    // The same submission again, in a batch beside a folder that is no
    // submission: its files are those just built (the broken one left out,
    // which the copy holds as its stub), so nothing is rebuilt.
    let batch = dir.path().join("batch");
    fs::create_dir_all(batch.join("a-not-a-submission")).expect("a folder in the batch");
    fs::rename(&submission, batch.join("b-student")).expect("the submission into the batch");
    // Without the broken file, which the copy now holds as its stub.
    fs::remove_file(batch.join("b-student/exercises").join(BROKEN.1)).expect("the broken file");
    let grades = dir.path().join("grades");
    // With the loop of framing, or (to save its 3 s when regrading) without.
    let batch_command = |framing: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .current_dir(&kit)
            .args(["grade", "--batch"])
            .arg(&batch)
            .args(["--exercise", "upload-header", "--test", SOLVED[0].1]);
        if framing {
            command.args(["--exercise", "framing", "--test", PLANTED[0].test]);
        }
        command.args(["--timeout", "3"]).arg("--out").arg(&grades);
        command
    };
    let output = output_within(batch_command(true), GRADING_LIMIT);
    assert!(
        output.status.success(),
        "cargo xtask grade --batch failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = fs::read_to_string(grades.join("summary.csv")).expect("the batch's summary.csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows.first().copied(),
        Some("student,upload-header,framing,total,status"),
        "a column per exercise graded, then the total: {csv}"
    );
    assert!(
        rows.get(1)
            .is_some_and(|r| r.starts_with("a-not-a-submission,,,,error: ")),
        "a folder that cannot be graded is an error row, and the batch goes on: {csv}"
    );
    assert_eq!(
        rows.get(2).copied(),
        Some("b-student,10,0,10,graded"),
        "the student's row: the reference's 10 points, the loop's 0: {csv}"
    );
    assert!(
        grades.join("b-student.md").is_file(),
        "each student gets a report: {:?}",
        fs::read_dir(&grades).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[2/2] b-student: 10 points"),
        "not on a terminal, the progress bar gives way to a line per student:\n{stderr}"
    );

    // Again into the same folder: refused before grading anything, the
    // earlier results untouched.
    let output = output_within(batch_command(true), GRADING_LIMIT);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("--regrade"),
        "a second batch into the same --out must refuse and point to --regrade ({}):\n{stderr}",
        output.status
    );
    assert_eq!(
        fs::read_to_string(grades.join("summary.csv")).expect("summary.csv"),
        csv,
        "the refused batch must leave the earlier summary as it was"
    );

    // --regrade, as if the earlier kit had given upload-header 0 points, and
    // without framing now (an exercise the update took out of the grading).
    let earlier = csv.replace("b-student,10,0,10,graded", "b-student,0,0,0,graded");
    fs::write(grades.join("summary.csv"), &earlier).expect("the earlier summary");
    let output = output_within(
        {
            let mut command = batch_command(false);
            command.arg("--regrade");
            command
        },
        GRADING_LIMIT,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo xtask grade --batch --regrade failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let kept: Vec<PathBuf> = fs::read_dir(grades.join("previous"))
        .expect("OUT/previous")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(kept.len(), 1, "one folder of earlier results: {kept:?}");
    assert_eq!(
        fs::read_to_string(kept[0].join("summary.csv"))
            .ok()
            .as_deref(),
        Some(earlier.as_str()),
        "the earlier summary is kept as it was"
    );
    assert!(
        kept[0].join("b-student.md").is_file() && kept[0].join("b-student.log").is_file(),
        "the earlier report and log are kept: {:?}",
        fs::read_dir(&kept[0]).map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
    );
    let csv = fs::read_to_string(grades.join("summary.csv")).expect("the new summary.csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows.first().copied(),
        Some("student,upload-header,total,previous_total,change,status"),
        "{csv}"
    );
    assert_eq!(
        rows.get(2).copied(),
        Some("b-student,10,10,0,+10,graded"),
        "the previous total and the change: {csv}"
    );
    assert_eq!(
        fs::read_to_string(grades.join("changes.csv"))
            .ok()
            .as_deref(),
        Some("student,exercise,before,after\nb-student,upload-header,0,10\nb-student,framing,0,\n"),
        "the exercise whose points changed, and the one no longer graded (stdout: {stdout})"
    );

    // One submission: the earlier report is kept beside the new one, and
    // the closing lines say how the total changed.
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .current_dir(&kit)
        .args(["grade", "--submission"])
        .arg(batch.join("b-student"))
        .args(["--exercise", "upload-header", "--test", SOLVED[0].1])
        .args(["--format", "gradescope", "--regrade", "--out"])
        .arg(&results);
    let output = output_within(command, GRADING_LIMIT);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("was 20 points, now 10 points"),
        "a single --regrade must say the earlier total and the new one ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let kept: Vec<PathBuf> = fs::read_dir(dir.path().join("previous"))
        .expect("previous/ beside results.json")
        .flatten()
        .map(|e| e.path().join("results.json"))
        .collect();
    assert!(
        kept.len() == 1 && kept[0].is_file() && results.is_file(),
        "the earlier results.json in previous/<time>/, the new one in its place: {kept:?}"
    );
}
