//! Tests of the exercise `split-file`: two processes write the two halves of
//! a file at the same time (book: ch2/split-file.md).
//!
//! `copy_range` is tested here directly, over in-memory readers; `split`
//! forks, so it runs in a probe (`netkit probe split_file::split FILE DIR`)
//! and the test compares the files it left.

use netkit_tests::harness::{ProbeRun, Program, Report, Trickle, probe};
use netkit_tests::kit::ch2::split_file::{self as kit, CHUNK};
use rstest::rstest;
use std::io::{self, Cursor};
use std::path::{Path, PathBuf};

/// `len` bytes that differ from one offset to the next (so a chunk in the
/// wrong place shows), the same every run.
fn pattern(len: usize) -> Vec<u8> {
    netkit_tests::harness::XorShift::new(0x1234_5678).bytes(len)
}

/// Where two byte strings first differ, for failure messages.
fn first_difference(got: &[u8], expected: &[u8]) -> String {
    match got.iter().zip(expected).position(|(a, b)| a != b) {
        Some(at) => format!("first difference at byte {at}"),
        None => format!("{} bytes instead of {}", got.len(), expected.len()),
    }
}

// --- copy_range: no fork ----------------------------------------------------

#[rstest]
#[case::nothing(0, 0)]
#[case::one_byte_at_the_start(0, 1)]
#[case::one_byte_at_the_end(3 * CHUNK as u64 + 6, 1)]
#[case::exactly_one_chunk(0, CHUNK as u64)]
#[case::across_a_chunk_boundary(CHUNK as u64 - 1, 2)]
#[case::several_chunks_from_the_middle(10, 2 * CHUNK as u64 + 5)]
#[case::all_of_it(0, 3 * CHUNK as u64 + 7)]
fn copy_range_copies_exactly_the_bytes_asked_for(#[case] start: u64, #[case] len: u64) {
    let source = pattern(3 * CHUNK + 7);
    // Reads of at most 1000 bytes and writes of at most 777: like a pipe or
    // a socket, a read may return less than asked for.
    let mut src = Trickle::new(Cursor::new(source.clone()), 1000);
    let mut dst = Trickle::new(Vec::new(), 777);
    let result = kit::copy_range(&mut src, start, len, &mut dst);
    let got = dst.into_inner();
    let expected = &source[start as usize..(start + len) as usize];
    let sent = format!(
        "copy_range(src, start {start}, len {len}, dst) on a source of {} bytes that returns \
         at most 1000 bytes per read",
        source.len()
    );
    if let Err(e) = result {
        Report::sent(&sent)
            .expected("Ok(())")
            .got(format!("Err({e})"))
            .cause("a short read is not the end: only a read of 0 bytes means the source ended")
            .fail();
    }
    if got != expected {
        Report::sent(&sent)
            .expected(format!("bytes {start}..{} of the source", start + len))
            .got(first_difference(&got, expected))
            .cause(
                "seek to `start` first, write only the bytes each read returned (`&buf[..n]`), \
                 and stop after exactly `len` bytes",
            )
            .fail();
    }
}

#[test]
fn copy_range_reads_at_most_a_chunk_at_a_time() {
    let size = 3 * 1024 * 1024 + 1;
    let mut src = Trickle::new(Cursor::new(pattern(size)), usize::MAX);
    let mut dst = Vec::new();
    kit::copy_range(&mut src, 0, size as u64, &mut dst).expect("copy_range of 3 MiB failed");
    assert_eq!(
        dst.len(),
        size,
        "copy_range copied {} of {size} bytes",
        dst.len()
    );
    if src.largest_ask() > CHUNK {
        Report::sent(format!("copy_range of a {size}-byte source"))
            .expected(format!(
                "reads into a buffer of at most CHUNK = {CHUNK} bytes"
            ))
            .got(format!("a read into {} bytes", src.largest_ask()))
            .cause(
                "the file may be bigger than memory: read one chunk, write it, read the next \
                 (never read_to_end or fs::read)",
            )
            .fail();
    }
}

#[test]
fn copy_range_fails_when_the_source_ends_too_early() {
    let mut src = Cursor::new(pattern(100));
    let mut dst = Vec::new();
    let got = kit::copy_range(&mut src, 50, 80, &mut dst);
    match got {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {}
        other => Report::sent("copy_range(src, start 50, len 80, dst) on a source of 100 bytes")
            .expected("Err with io::ErrorKind::UnexpectedEof")
            .got(format!("{other:?}"))
            .cause("a read of 0 bytes before `len` bytes were copied means the file is shorter than expected")
            .fail(),
    }
}

// --- split, in a probe ------------------------------------------------------

/// A folder with `name` holding `bytes`, and an `out` folder.
struct Scene {
    dir: tempfile::TempDir,
    file: PathBuf,
    out: PathBuf,
}

impl Scene {
    fn new(bytes: &[u8]) -> Scene {
        let dir = tempfile::tempdir().expect("creating a temp folder");
        let file = dir.path().join("big.bin");
        std::fs::write(&file, bytes).expect("writing the file to split");
        let out = dir.path().join("out");
        std::fs::create_dir(&out).expect("creating the out folder");
        Scene { dir, file, out }
    }

    fn top(&self) -> PathBuf {
        self.out.join("big.bin.top")
    }

    fn bottom(&self) -> PathBuf {
        self.out.join("big.bin.bottom")
    }

    fn split(&self) -> ProbeRun {
        probe("split_file::split", &[text(&self.file), text(&self.out)])
    }
}

fn text(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// A half as the probe reports it: (writer pid, len, path).
fn half(run: &ProbeRun, name: &str) -> (i32, u64, String) {
    let line = run.value(name);
    let mut parts = line.splitn(3, ' ');
    let pid = parts.next().and_then(|p| p.parse().ok());
    let len = parts.next().and_then(|l| l.parse().ok());
    match (pid, len, parts.next()) {
        (Some(pid), Some(len), Some(path)) => (pid, len, path.to_string()),
        _ => panic!("the probe printed `{name} {line}`, not `{name} PID LEN PATH`"),
    }
}

#[track_caller]
fn expect_no_children_left(what: &str, run: &ProbeRun) {
    let left = run.value("children");
    if left != "0" {
        Report::sent(what)
            .expected("no child left in /proc afterwards (no zombie)")
            .got(format!("{left} children still there"))
            .cause("wait_for both children, whatever happens")
            .fail();
    }
}

#[rstest]
#[case::empty(0)]
#[case::one_byte(1)]
#[case::odd_and_smaller_than_a_chunk(1001)]
#[case::exactly_one_chunk(CHUNK)]
#[case::two_halves_of_one_chunk_each(2 * CHUNK)]
#[case::just_over_two_chunks(2 * CHUNK + 1)]
#[case::a_few_mib_odd(3 * 1024 * 1024 + 17)]
fn split_halves_concatenate_to_the_original(#[case] size: usize) {
    let original = pattern(size);
    let scene = Scene::new(&original);
    let run = scene.split();
    let sent = format!("split(FILE of {size} bytes, OUT)");
    if let Some(error) = run.values("error").first() {
        Report::sent(&sent)
            .expected("Ok((top, bottom))")
            .got(format!("Err: {error}"))
            .cause("see the error; the children print why they failed on stderr")
            .fail();
    }
    let middle = size / 2;
    for (name, path, expected) in [
        ("top", scene.top(), &original[..middle]),
        ("bottom", scene.bottom(), &original[middle..]),
    ] {
        let (_, len, reported) = half(&run, name);
        let got = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{sent}: the {name} half should be at {}: {e}",
                path.display()
            )
        });
        if got != expected {
            Report::sent(&sent)
                .expected(format!(
                    "the {name} half to hold bytes {}..{} of the file ({} bytes)",
                    if name == "top" { 0 } else { middle },
                    if name == "top" { middle } else { size },
                    expected.len()
                ))
                .got(first_difference(&got, expected))
                .cause(
                    "top = the first size / 2 bytes, bottom = all the rest (the extra byte of \
                     an odd size goes to the bottom)",
                )
                .fail();
        }
        assert_eq!(
            (len, reported.as_str()),
            (expected.len() as u64, text(&path)),
            "{sent}: the {name} Half should give its length and path"
        );
    }
    expect_no_children_left(&sent, &run);
}

#[test]
fn the_halves_are_written_by_two_child_processes() {
    let scene = Scene::new(&pattern(5 * CHUNK + 3));
    let run = scene.split();
    let parent: i32 = run.value("probe_pid").parse().expect("a pid");
    let (top, _, _) = half(&run, "top");
    let (bottom, _, _) = half(&run, "bottom");
    if top == parent || bottom == parent || top == bottom {
        Report::sent(format!("split(…) called in the process {parent}"))
            .expected("each half written by a child of its own (two pids, neither the caller's)")
            .got(format!("top written by {top}, bottom by {bottom}"))
            .cause("spawn one child per half, and report the pid spawn returned for each")
            .fail();
    }
    expect_no_children_left("split(…)", &run);
}

#[rstest]
#[case::the_top_half_cannot_be_created("top")]
#[case::the_bottom_half_cannot_be_created("bottom")]
fn a_failed_half_leaves_no_half_behind(#[case] blocked: &str) {
    let scene = Scene::new(&pattern(3 * CHUNK));
    // A folder where the half should go: creating that file fails.
    let (blocked_path, other_path) = if blocked == "top" {
        (scene.top(), scene.bottom())
    } else {
        (scene.bottom(), scene.top())
    };
    std::fs::create_dir(&blocked_path).expect("creating the blocking folder");
    let run = scene.split();
    let sent = format!(
        "split(FILE, OUT) where OUT/{} is a folder, so the {blocked} half cannot be written",
        blocked_path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
    );
    let error = run.values("error").first().map(|e| e.to_string());
    let Some(error) = error else {
        Report::sent(&sent)
            .expected("an error (SplitError::HalfFailed)")
            .got(format!("{:?}", run.lines))
            .cause("check how each child exited (wait_for): a child that failed exits with 1")
            .fail()
    };
    if !error.contains(blocked) {
        Report::sent(&sent)
            .expected(format!("an error that names the {blocked} half"))
            .got(&error)
            .cause("SplitError::HalfFailed { half, … } says which half failed")
            .fail();
    }
    if other_path.exists() {
        Report::sent(&sent)
            .expected(format!(
                "no {} left behind: all or nothing",
                other_path.display()
            ))
            .got("the other half is still there")
            .cause("when one child fails, remove the half the other child wrote")
            .fail();
    }
    expect_no_children_left(&sent, &run);
}

#[test]
fn a_missing_file_is_an_error() {
    let scene = Scene::new(b"");
    let missing = scene.dir.path().join("no-such-file");
    let run = probe("split_file::split", &[text(&missing), text(&scene.out)]);
    match run.values("error").first() {
        Some(error) if error.contains("no-such-file") => {}
        other => Report::sent(format!("split({}, OUT)", missing.display()))
            .expected("an error that names the missing file (SplitError::Source)")
            .got(format!("{other:?}; the probe printed {:?}", run.lines))
            .cause("fs::metadata(path) fails for a missing file: return SplitError::Source")
            .fail(),
    }
    let left: Vec<_> = std::fs::read_dir(&scene.out)
        .expect("reading the out folder")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "split of a missing file left {left:?} in the out folder"
    );
}

// --- the program -------------------------------------------------------------

#[test]
fn program_prints_both_halves_and_their_sizes() {
    let original = pattern(2 * CHUNK + 11);
    let scene = Scene::new(&original);
    let finished = Program::run_ok(&["split-file", text(&scene.file), "--out", text(&scene.out)]);
    let command = &finished.command_line;
    let middle = original.len() / 2;
    for (name, path, len) in [
        ("top", scene.top(), middle),
        ("bottom", scene.bottom(), original.len() - middle),
    ] {
        let prefix = format!(
            "{name}: {} ({len} bytes, written by process ",
            path.display()
        );
        assert!(
            finished.stdout.iter().any(|line| line.starts_with(&prefix)),
            "`{command}` should print a line starting {prefix:?}; it printed {:?}",
            finished.stdout
        );
    }
    let mut joined = std::fs::read(scene.top()).expect("reading the top half");
    joined.extend(std::fs::read(scene.bottom()).expect("reading the bottom half"));
    assert!(joined == original, "top + bottom is not the original file");
}
