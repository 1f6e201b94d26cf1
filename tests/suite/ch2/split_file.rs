//! Tests of the exercise `split-file`: two processes write the two halves of
//! a file at the same time (book: ch2/split-file.md).
//!
//! `copy_range` is tested here directly, over in-memory readers; `split`
//! forks, so it runs in a probe (`netkit probe split_file::split FILE DIR`)
//! and the test compares the files it left.
//!
//! That the two children write *at the same time* is shown without any
//! timing: the halves go into named pipes (FIFOs) that the test reads only
//! once both writers exist. A writer that fills its pipe waits there, so
//! it cannot end, nor be waited for, before the other has started.

use netkit_tests::harness::{
    DeadlockWatch, Liveness, ProbeRun, Program, Report, STEP, TIMEOUT, Trickle, probe, wait_for,
};
use netkit_tests::kit::ch2::split_file::{self as kit, CHUNK};
use netkit_tests::probes::procfs;
use rstest::rstest;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

/// `len` bytes that differ from one offset to the next (so a chunk in the
/// wrong place shows), the same every run.
fn pattern(len: usize) -> Vec<u8> {
    netkit_tests::harness::XorShift::seeded(0x1234_5678).bytes(len)
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
    let sent = format!("copy_range(src, start 0, len {size}, dst) on a {size}-byte source");
    if let Err(e) = kit::copy_range(&mut src, 0, size as u64, &mut dst) {
        Report::sent(&sent)
            .expected("Ok(())")
            .got(format!("Err({e})"))
            .cause("the source holds exactly `len` bytes: copy them chunk by chunk")
            .fail();
    }
    if dst.len() != size {
        Report::sent(&sent)
            .expected(format!("{size} bytes copied"))
            .got(format!("{} bytes", dst.len()))
            .cause("keep copying until `len` bytes are written, not just one chunk")
            .fail();
    }
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
            Report::sent(&sent)
                .expected(format!("the {name} half at {}", path.display()))
                .got(format!("reading it failed: {e}"))
                .cause("see half_paths: OUT_DIR/NAME.top and OUT_DIR/NAME.bottom")
                .fail()
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
        if (len, reported.as_str()) != (expected.len() as u64, text(&path)) {
            Report::sent(&sent)
                .expected(format!(
                    "the {name} Half to say len {} and path {}",
                    expected.len(),
                    path.display()
                ))
                .got(format!("len {len} and path {reported}"))
                .cause("Half { path, len, writer }: where it was written, and how many bytes")
                .fail();
        }
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

/// A named pipe (FIFO) where a half should go, held open by the test for
/// reading *and* writing: so a writer's open never waits, and a read finds
/// "nothing yet" (never the end) until the test has all it expects.
struct Fifo {
    file: File,
    got: Vec<u8>,
}

impl Fifo {
    fn make(path: &Path) -> Fifo {
        use std::os::unix::fs::OpenOptionsExt;
        nix::unistd::mkfifo(path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .expect("opening the FIFO");
        Fifo {
            file,
            got: Vec::new(),
        }
    }

    /// Reads what is there now; whether anything was.
    fn read_some(&mut self) -> bool {
        let mut buf = [0u8; 64 * 1024];
        let mut any = false;
        loop {
            match self.file.read(&mut buf) {
                Ok(0) => return any,
                Ok(n) => {
                    self.got.extend_from_slice(&buf[..n]);
                    any = true;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return any,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => panic!("reading a FIFO of the test failed: {e}"),
            }
        }
    }
}

/// Whether the two writers ran at the same time.
enum Writers {
    /// Both child processes existed at once.
    Together,
    /// The probe blocked with fewer than two children: who waited for what.
    OneAtATime(String),
}

#[test]
fn both_halves_are_written_at_the_same_time() {
    // Each half is bigger than a pipe holds (64 KiB): its writer cannot end
    // until the test reads, and the test reads only once both writers exist.
    let half = 4 * CHUNK;
    let original = pattern(2 * half);
    let scene = Scene::new(&original);
    let mut top = Fifo::make(&scene.top());
    let mut bottom = Fifo::make(&scene.bottom());
    let program = Program::start(&[
        "probe",
        "split_file::split",
        text(&scene.file),
        text(&scene.out),
    ]);
    let sent = format!(
        "split(FILE of {} bytes, OUT), where OUT/big.bin.top and OUT/big.bin.bottom are FIFOs \
         that the test reads only once both writing children exist",
        original.len()
    );
    let probe_pid = program.pid();
    let mut watch = DeadlockWatch::new(probe_pid);
    let writers = wait_for(&program, || {
        std::thread::park_timeout(STEP);
        // Zombies count: a child not reaped yet has not been waited for.
        if procfs::family(probe_pid as i32).len() >= 3 {
            return Ok(Some(Writers::Together));
        }
        Ok(watch.look().map(|blocked| {
            if blocked.children_of(probe_pid) >= 2 {
                Writers::Together
            } else {
                Writers::OneAtATime(blocked.describe())
            }
        }))
    })
    .unwrap_or_else(|e| {
        Report::sent(&sent)
            .expected("two child processes, one writing each half, running at the same time")
            .got(e.to_string())
            .cause("spawn both children first, then wait for both")
            .fail()
    });
    if let Writers::OneAtATime(who) = writers {
        Report::sent(&sent)
            .expected("the second child started while the first still runs")
            .got(format!(
                "split waited for one writer before starting the other, and that writer \
                 cannot end until the other starts: {who}"
            ))
            .cause(
                "the halves were written one after the other: spawn both children first, \
                 then wait_for each (waiting right after the first spawn runs them in turn)",
            )
            .fail();
    }
    // Both run: read both halves until the probe has ended.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let ended = program.check().is_err();
        let read = top.read_some() | bottom.read_some();
        if ended {
            break;
        }
        if !read {
            if std::time::Instant::now() >= deadline {
                Report::sent(&sent)
                    .expected("split to end once the test reads both FIFOs")
                    .got(format!(
                        "still running after {} s; {} and {} bytes read",
                        TIMEOUT.as_secs(),
                        top.got.len(),
                        bottom.got.len()
                    ))
                    .cause("each child writes its half and exits; split waits for both")
                    .fail();
            }
            std::thread::park_timeout(STEP);
        }
    }
    let finished = program.finish();
    let run = ProbeRun {
        command_line: finished.command_line,
        status: finished.status,
        lines: finished.stdout,
        stderr: finished.stderr,
        deadlock: None,
    }
    .expect_success();
    for (name, fifo, expected) in [
        ("top", &top, &original[..half]),
        ("bottom", &bottom, &original[half..]),
    ] {
        if fifo.got != expected {
            Report::sent(&sent)
                .expected(format!("the {name} half: {} bytes", expected.len()))
                .got(first_difference(&fifo.got, expected))
                .cause("each child copies its own range, from its own open file")
                .fail();
        }
    }
    expect_no_children_left(&sent, &run);
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
    if !left.is_empty() {
        Report::sent(format!("split({}, OUT)", missing.display()))
            .expected("nothing created in OUT")
            .got(format!("{left:?} left in OUT"))
            .cause("check the file first (fs::metadata), before creating or forking anything")
            .fail();
    }
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
        if !finished.stdout.iter().any(|line| line.starts_with(&prefix)) {
            Report::sent(format!("`{command}`"))
                .expected(format!("a line starting {prefix:?}"))
                .got(format!("{:?}", finished.stdout))
                .cause("the program prints each half's path, size and writer")
                .fail();
        }
    }
    let read = |path: PathBuf| std::fs::read(&path).unwrap_or_default();
    let mut joined = read(scene.top());
    joined.extend(read(scene.bottom()));
    if joined != original {
        Report::sent(format!("`{command}`"))
            .expected(format!(
                "the top half, then the bottom, to be the file's {} bytes",
                original.len()
            ))
            .got(first_difference(&joined, &original))
            .cause("top = the first size / 2 bytes, bottom = all the rest")
            .fail();
    }
}
