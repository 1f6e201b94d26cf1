//! The grading files the kit ships for teachers (`grading/`): Gradescope's
//! `setup.sh`, `run_autograder` and `make-zip`, and GitHub Classroom's
//! workflow. The book's teacher pages include them whole.
//!
//! Fast and offline: the scripts are executable and `bash -n` clean; every
//! `cargo xtask …` command line in them parses with xtask's own command
//! line (the real binary, with `--help` after the line: clap rejects an
//! unknown flag or a bad value before it prints the help); the workflow has
//! the lines GitHub Classroom's reporter needs (no YAML parser is a
//! dependency of the kit, so its key lines are checked as text); `make-zip`
//! writes a zip with the scripts at its root and no reference; each file is
//! included whole by a teacher page of the book; and
//! `run_autograder`, pointed at a temporary `/autograder` holding two stub
//! files, writes a valid `results.json` (a few seconds once the grader's copy
//! of the kit is built; `tests/grade.rs` builds it too).
//!
//! A student's hand-out (`cargo xtask dist`) has no `grading/`: then these
//! tests say so and pass.

use serde_json::Value;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SCRIPTS: &[&str] = &[
    "grading/gradescope/setup.sh",
    "grading/gradescope/run_autograder",
    "grading/gradescope/make-zip",
];
const WORKFLOW: &str = "grading/classroom/classroom.yml";

/// run_autograder's limit, a cold build of the grader's copy included.
const RUN_LIMIT: Duration = Duration::from_secs(900);

/// Runs the command in a process group of its own, waiting at most
/// `limit`; past it, kills the group (the script, cargo, the grader).
fn output_within(mut command: Command, limit: Duration) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let child = command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting run_autograder");
    let pid = child.id() as i32;
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait_with_output());
    });
    match receive.recv_timeout(limit) {
        Ok(output) => output.expect("waiting for run_autograder"),
        Err(_) => {
            // SAFETY: a plain system call on our own child's group.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            panic!("run_autograder did not finish within {limit:?}")
        }
    }
}

fn kit() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is in the kit")
        .to_path_buf()
}

/// The kit, or `None` (and a note) in a hand-out, which has no `grading/`.
fn kit_with_grading() -> Option<PathBuf> {
    let kit = kit();
    if kit.join("grading").is_dir() {
        Some(kit)
    } else {
        eprintln!("skipped: this copy of the kit has no grading/ (a student's hand-out)");
        None
    }
}

fn read(kit: &Path, file: &str) -> String {
    fs::read_to_string(kit.join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"))
}

#[test]
fn the_scripts_are_executable_and_bash_reads_them() {
    let Some(kit) = kit_with_grading() else {
        return;
    };
    for script in SCRIPTS {
        let path = kit.join(script);
        let mode = fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{script}: {e}"))
            .permissions()
            .mode();
        assert!(
            mode & 0o111 == 0o111,
            "{script} must be executable by all (mode {mode:o}): Gradescope runs it as is; \
             chmod a+x {script}"
        );
        let text = read(&kit, script);
        assert!(
            text.starts_with("#!/usr/bin/env bash\n"),
            "{script} must start with #!/usr/bin/env bash"
        );
        let checked = Command::new("bash")
            .arg("-n")
            .arg(&path)
            .output()
            .expect("running bash -n");
        assert!(
            checked.status.success(),
            "bash -n {script}: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

/// The `cargo xtask …` command lines of a script: continuation lines
/// joined, each cut at the end of the command (`;`, `|`, `&&`, `>`), split
/// into words as the shell would (quotes), `"$@"` dropped and any other word
/// with a variable in it made `X`.
fn xtask_lines(text: &str) -> Vec<Vec<String>> {
    let joined = text.replace("\\\n", " ");
    let mut lines = Vec::new();
    for line in joined.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((_, rest)) = line.split_once("cargo xtask ") else {
            continue;
        };
        let mut words = Vec::new();
        for word in shell_words(rest) {
            let (word, last) = match word.strip_suffix(';') {
                Some(w) => (w.to_string(), true),
                None => (word, false),
            };
            if ["|", "||", "&&", ">", ">>", "2>", "2>&1"].contains(&word.as_str()) {
                break;
            }
            if word != "$@" {
                words.push(if word.contains('$') { "X".into() } else { word });
            }
            if last {
                break;
            }
        }
        lines.push(words);
    }
    lines
}

/// `text` split into words at blanks outside quotes; the quotes removed.
fn shell_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut in_word = false;
    for c in text.chars() {
        match (quote, c) {
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[test]
fn every_cargo_xtask_line_they_hold_parses_with_xtasks_command_line() {
    let Some(kit) = kit_with_grading() else {
        return;
    };
    let mut seen = 0;
    for file in SCRIPTS.iter().chain([&WORKFLOW]) {
        for words in xtask_lines(&read(&kit, file)) {
            seen += 1;
            let parsed = Command::new(env!("CARGO_BIN_EXE_xtask"))
                .args(&words)
                .arg("--help")
                .output()
                .expect("running xtask");
            assert!(
                parsed.status.success(),
                "{file}: `cargo xtask {}` does not parse:\n{}",
                words.join(" "),
                String::from_utf8_lossy(&parsed.stderr)
            );
        }
    }
    assert!(
        seen >= 3,
        "setup.sh, run_autograder and the workflow each run `cargo xtask grade`: found {seen} lines"
    );
}

#[test]
fn the_tokenizer_reads_the_scripts_lines_as_the_shell_does() {
    let lines = xtask_lines(
        "x\n# cargo xtask no\nif ! cargo xtask grade --submission \"$graded\" --out \"$R\" \"$@\"; then\n\
         cargo xtask grade --exercise a \\\n    --format gradescope > out\n",
    );
    assert_eq!(
        lines,
        [
            vec!["grade", "--submission", "X", "--out", "X"],
            vec!["grade", "--exercise", "a", "--format", "gradescope"],
        ]
    );
}

#[test]
fn every_shipped_file_is_shown_whole_by_a_teacher_page() {
    let Some(kit) = kit_with_grading() else {
        return;
    };
    let pages: Vec<String> = fs::read_dir(kit.join("book/src/teacher"))
        .expect("book/src/teacher")
        .flatten()
        .filter_map(|e| fs::read_to_string(e.path()).ok())
        .collect();
    for file in SCRIPTS.iter().chain([&WORKFLOW]) {
        let include = format!("{{{{#include ../../../{file}}}}}");
        assert!(
            pages.iter().any(|p| p.contains(&include)),
            "no page of book/src/teacher shows {file} with `{include}`: a page shows the \
             shipped file, never a typed copy"
        );
    }
}

#[test]
fn the_workflow_has_what_classrooms_reporter_needs() {
    let Some(kit) = kit_with_grading() else {
        return;
    };
    let workflow = read(&kit, WORKFLOW);
    for (line, why) in [
        (
            "name: Autograding Tests\n",
            "the reporter finds its check run by this name",
        ),
        (
            "\n  run-autograding-tests:\n",
            "the one job must have this name",
        ),
        (
            "  checks: write\n",
            "the reporter writes the points into a check run",
        ),
        (
            "cargo xtask grade --submission . --format classroom --out target/classroom.json\n",
            "the grade, in Classroom's JSON",
        ),
        (
            "echo \"result=$(base64 -w0 target/classroom.json)\" >> \"$GITHUB_OUTPUT\"\n",
            "the step's output, in base64 on one line",
        ),
        ("        id: netkit\n", "the grading step's id"),
        (
            "NETKIT_RESULTS: ${{ steps.netkit.outputs.result }}\n",
            "the reporter reads <ID>_RESULTS, the id in capitals",
        ),
        (
            "uses: classroom-resources/autograding-grading-reporter@v1\n",
            "the reporter",
        ),
        ("          runners: netkit\n", "the reporter's list of ids"),
    ] {
        assert!(
            workflow.contains(line),
            "{WORKFLOW} must have the line `{}`: {why}",
            line.trim()
        );
    }
    assert!(
        !workflow.contains('\t'),
        "{WORKFLOW}: YAML indents with spaces, never tabs"
    );
}

#[test]
fn make_zip_puts_the_scripts_at_the_root_beside_the_kit_without_its_reference() {
    let Some(kit) = kit_with_grading() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp folder");
    let zip = dir.path().join("autograder.zip");
    let made = Command::new(kit.join("grading/gradescope/make-zip"))
        .arg(&zip)
        .output()
        .expect("running make-zip");
    assert!(
        made.status.success(),
        "make-zip failed: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let Ok(listed) = Command::new("unzip").arg("-Z1").arg(&zip).output() else {
        eprintln!("no unzip here: the zip's contents were not looked at");
        return;
    };
    let names = String::from_utf8_lossy(&listed.stdout).into_owned();
    let names: Vec<&str> = names.lines().collect();
    for wanted in [
        "setup.sh",
        "run_autograder",
        "kit.toml",
        ".cargo/config.toml",
    ] {
        assert!(
            names.contains(&wanted),
            "the zip must hold {wanted} at its root"
        );
    }
    for gone in ["target/", "mutants/", ".git/", ".ci/"] {
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with(gone) || *n == gone.trim_end_matches('/')),
            "the zip must not hold {gone}"
        );
    }
    let framing = Command::new("unzip")
        .args(["-p"])
        .arg(&zip)
        .arg("solutions/src/ch1/framing.rs")
        .output()
        .expect("unzip -p");
    let framing = String::from_utf8_lossy(&framing.stdout);
    assert!(
        framing.starts_with("// Not in the autograder") && framing.lines().count() == 1,
        "the zip's solutions/src files are placeholders, got:\n{framing}"
    );
}

#[test]
fn run_autograder_grades_two_uploaded_files_into_a_valid_results_json() {
    let Some(kit) = kit_with_grading() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temp folder");
    let autograder = dir.path().join("autograder");
    let submission = autograder.join("submission");
    fs::create_dir_all(&submission).expect("the submission's folder");
    fs::create_dir_all(autograder.join("results")).expect("the results' folder");
    // The kit as Gradescope's /autograder/source, its grader's copy built.
    std::os::unix::fs::symlink(&kit, autograder.join("source")).expect("source");
    // Two files uploaded on their own, as a student drops them on the page.
    for file in ["ch1/framing.rs", "ch1/upload_header.rs"] {
        let name = Path::new(file).file_name().expect("a name");
        fs::copy(
            kit.join("xtask/stubs/src").join(file),
            submission.join(name),
        )
        .expect("a stub file");
    }
    let mut command = Command::new(kit.join("grading/gradescope/run_autograder"));
    command
        .args(["--exercise", "framing", "--exercise", "upload-header"])
        .env("AUTOGRADER", &autograder);
    let ran = output_within(command, RUN_LIMIT);
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(ran.status.success(), "run_autograder failed:\n{stderr}");
    let text = fs::read_to_string(autograder.join("results/results.json"))
        .unwrap_or_else(|e| panic!("no results.json ({e}):\n{stderr}"));
    let results: Value = serde_json::from_str(&text).expect("results.json must be JSON");
    let tests = results["tests"]
        .as_array()
        .unwrap_or_else(|| panic!("results.json has no tests:\n{text}\n{stderr}"));
    assert!(
        tests.len() > 10,
        "the two exercises' tests: {}",
        tests.len()
    );
    assert!(
        tests.iter().all(|t| t["name"].as_str().is_some_and(
            |n| n.starts_with("ch1::framing::") || n.starts_with("ch1::upload_header::")
        )),
        "only the two exercises were graded"
    );
    let max: f64 = tests.iter().map(|t| t["max_score"].as_f64().unwrap()).sum();
    assert!(
        (max - 30.0).abs() < 1e-6,
        "framing's 20 points and upload-header's 10: {max}"
    );
    assert_eq!(results["score"], 0.0, "two stubs score nothing");
}
