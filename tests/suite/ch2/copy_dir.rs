//! Tests of the exercise `copy-dir`: copying a folder with one process per
//! file, names listed in the order the copies finished (book: ch2/copy-dir.md).
//!
//! `list_files` and `copy_file` do not fork: they are tested here, in the
//! test process. `copy_dir` forks, so it runs in probes
//! (`copy_dir::copy FROM TO`), and the test checks the folders it left.

use netkit_tests::harness::{ProbeRun, Program, Report, probe};
use netkit_tests::kit::ch2::copy_dir::{self as kit, CopyError};
use rstest::rstest;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::Path;

/// Bytes that are not text and differ from file to file.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 7 + seed * 31) % 251) as u8)
        .collect()
}

/// A fresh temp folder holding `source/` with `files` in it; `to` is the
/// path `copy/` beside it, not created.
fn source_with(files: &[(&str, Vec<u8>)]) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("creating a temp folder");
    let from = dir.path().join("source");
    fs::create_dir(&from).expect("creating the source folder");
    for (name, content) in files {
        fs::write(from.join(name), content).expect("writing a source file");
    }
    let to = dir.path().join("copy");
    let text = |p: &Path| p.to_str().expect("temp paths are UTF-8").to_string();
    (dir, text(&from), text(&to))
}

/// A folder of many files: empty, multi-MiB, names with spaces and UTF-8.
fn many_files() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        ("empty".to_string(), Vec::new()),
        ("big.bin".to_string(), pattern(3 * 1024 * 1024 + 5, 1)),
        ("a name with spaces.txt".to_string(), b"spaces\n".to_vec()),
        (
            "数据 メモ.txt".to_string(),
            "数据 and メモ\n".as_bytes().to_vec(),
        ),
        ("no newline at the end".to_string(), b"no newline".to_vec()),
    ];
    for i in 0..12 {
        files.push((format!("file-{i:02}.dat"), pattern(i * 1000 + 1, i + 2)));
    }
    files
}

/// The names of a probe's lines `key NAME`, NAME in `{:?}` form, decoded.
fn names(run: &ProbeRun, key: &str) -> Vec<String> {
    run.values(key)
        .iter()
        .map(|quoted| unquote(quoted))
        .collect()
}

/// Undoes `{:?}` for the names the tests use (no escapes in them but `\"`).
fn unquote(quoted: &str) -> String {
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(quoted)
        .replace("\\\"", "\"")
}

/// The names of the entries in `folder`, sorted; empty if it does not exist.
fn entries(folder: &Path) -> BTreeSet<String> {
    fs::read_dir(folder)
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Fails unless `to/name` holds exactly the bytes of `from/name`.
#[track_caller]
fn expect_same_file(from: &Path, to: &Path, name: &str, sent: &str) {
    let original = fs::read(from.join(name)).expect("reading a source file");
    let copy = match fs::read(to.join(name)) {
        Ok(copy) => copy,
        Err(e) => Report::sent(sent)
            .expected(format!("a copy of {name:?} in the destination"))
            .got(format!("reading it failed: {e}"))
            .cause("each child copies from/NAME to to/NAME")
            .fail(),
    };
    if copy != original {
        let first_difference = original
            .iter()
            .zip(&copy)
            .position(|(a, b)| a != b)
            .unwrap_or(original.len().min(copy.len()));
        Report::sent(sent)
            .expected(format!(
                "{name:?} copied byte for byte ({} bytes)",
                original.len()
            ))
            .got(format!(
                "{} bytes, the first difference at byte {first_difference}",
                copy.len()
            ))
            .cause("copy all of it (io::copy loops until the end), and report only when done")
            .fail();
    }
}

/// Fails unless the probe left no child and no zombie behind.
#[track_caller]
fn expect_all_reaped(run: &ProbeRun, sent: &str) {
    if run.value("children") != "0" || run.value("zombies") != "0" {
        Report::sent(sent)
            .expected("every child reaped when copy_dir returns: no children, no zombies")
            .got(format!(
                "{} children left, {} of them zombies",
                run.value("children"),
                run.value("zombies")
            ))
            .cause("waitpid each child you forked, after the queue says Disconnected")
            .fail();
    }
}

// --- copy_file and list_files: no fork ----------------------------------------

#[rstest]
#[case::empty(0)]
#[case::one_byte(1)]
#[case::one_page(4096)]
#[case::three_mib_and_a_bit(3 * 1024 * 1024 + 7)]
fn copy_file_copies_every_byte(#[case] size: usize) {
    let (dir, from, to) = source_with(&[("data.bin", pattern(size, 3))]);
    fs::create_dir(&to).expect("creating the destination");
    let (from, to) = (Path::new(&from), Path::new(&to));
    let sent = format!("copy_file(source/data.bin, copy/data.bin) of {size} bytes");
    match kit::copy_file(&from.join("data.bin"), &to.join("data.bin")) {
        Ok(n) if n == size as u64 => {}
        other => Report::sent(&sent)
            .expected(format!("Ok({size})"))
            .got(format!("{other:?}"))
            .cause("return the number of bytes io::copy copied")
            .fail(),
    }
    expect_same_file(from, to, "data.bin", &sent);
    drop(dir);
}

#[test]
fn copy_file_never_overwrites_an_existing_file() {
    let (_dir, from, to) = source_with(&[("notes.txt", b"new".to_vec())]);
    fs::create_dir(&to).expect("creating the destination");
    let target = Path::new(&to).join("notes.txt");
    fs::write(&target, b"precious").expect("writing the existing file");
    let got = kit::copy_file(&Path::new(&from).join("notes.txt"), &target);
    let after = fs::read(&target).expect("reading the existing file");
    if !matches!(&got, Err(e) if e.kind() == io::ErrorKind::AlreadyExists) || after != b"precious" {
        Report::sent(
            "copy_file(source/notes.txt, copy/notes.txt), where copy/notes.txt holds b\"precious\"",
        )
        .expected("Err(AlreadyExists), and copy/notes.txt still b\"precious\"")
        .got(format!(
            "{got:?}, and copy/notes.txt holds {:?}",
            String::from_utf8_lossy(&after)
        ))
        .cause("File::create_new refuses an existing file; File::create would empty it")
        .fail();
    }
}

#[test]
fn copy_file_leaves_no_partial_file_when_reading_fails() {
    // A folder opens like a file, but reading it fails (EISDIR): the copy
    // fails after the new file was created, even for root.
    let (_dir, from, to) = source_with(&[]);
    fs::create_dir(&to).expect("creating the destination");
    let target = Path::new(&to).join("copy-of-a-folder");
    let got = kit::copy_file(Path::new(&from), &target);
    if got.is_ok() || target.exists() {
        Report::sent("copy_file(a folder, copy/copy-of-a-folder): reading a folder fails")
            .expected("Err(…), and no copy/copy-of-a-folder left behind")
            .got(format!(
                "{got:?}, and copy/copy-of-a-folder {}",
                if target.exists() {
                    "exists"
                } else {
                    "does not exist"
                }
            ))
            .cause("when io::copy fails, remove the file you created before returning the error")
            .fail();
    }
}

#[test]
fn copy_file_creates_nothing_when_the_source_is_missing() {
    let (_dir, from, to) = source_with(&[]);
    fs::create_dir(&to).expect("creating the destination");
    let target = Path::new(&to).join("ghost");
    let got = kit::copy_file(&Path::new(&from).join("ghost"), &target);
    if !matches!(&got, Err(e) if e.kind() == io::ErrorKind::NotFound) || target.exists() {
        Report::sent("copy_file(source/ghost, copy/ghost) where source/ghost does not exist")
            .expected("Err(NotFound), and no copy/ghost")
            .got(format!("{got:?}; copy/ghost exists: {}", target.exists()))
            .cause("open the source first: if that fails, there is nothing to create")
            .fail();
    }
}

#[test]
fn list_files_lists_the_regular_files_by_name() {
    let files = many_files();
    let borrowed: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
    let (_dir, from, _) = source_with(&borrowed);
    let mut expected: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    expected.sort();
    match kit::list_files(Path::new(&from)) {
        Ok(names) if names == expected => {}
        other => Report::sent(format!("list_files of a folder holding {expected:?}"))
            .expected(format!("Ok({expected:?}): every name, sorted"))
            .got(format!("{other:?}"))
            .cause("read_dir's order is the file system's: sort the names")
            .fail(),
    }
}

/// What a test puts in the source folder beside a regular file.
#[derive(Debug, Clone, Copy)]
enum Odd {
    Subfolder,
    LinkToAFile,
    DanglingLink,
    NamedPipe,
}

impl Odd {
    /// Makes it, named `odd`, in `folder`.
    fn make(self, folder: &Path) {
        let odd = folder.join("odd");
        match self {
            Odd::Subfolder => fs::create_dir(&odd).expect("creating a subfolder"),
            Odd::LinkToAFile => std::os::unix::fs::symlink("regular.txt", &odd).expect("symlink"),
            Odd::DanglingLink => std::os::unix::fs::symlink("nowhere", &odd).expect("symlink"),
            Odd::NamedPipe => {
                nix::unistd::mkfifo(&odd, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo")
            }
        }
    }
}

#[rstest]
#[case::a_subfolder(Odd::Subfolder)]
#[case::a_link_to_a_file(Odd::LinkToAFile)]
#[case::a_dangling_link(Odd::DanglingLink)]
#[case::a_named_pipe(Odd::NamedPipe)]
fn list_files_refuses_what_is_not_a_regular_file(#[case] odd: Odd) {
    let (_dir, from, _) = source_with(&[("regular.txt", b"fine".to_vec())]);
    odd.make(Path::new(&from));
    match kit::list_files(Path::new(&from)) {
        Err(CopyError::NotARegularFile { name, .. }) if name == "odd" => {}
        other => Report::sent(format!(
            "list_files of a folder holding regular.txt and `odd`, {odd:?}"
        ))
        .expected("Err(CopyError::NotARegularFile { name: \"odd\", .. })")
        .got(format!("{other:?}"))
        .cause(
            "DirEntry::file_type() does not follow links: refuse anything whose \
                 is_file() is false (a named pipe would block the copy for ever)",
        )
        .fail(),
    }
}

#[test]
fn list_files_refuses_a_folder_that_does_not_exist() {
    let dir = tempfile::tempdir().expect("creating a temp folder");
    let missing = dir.path().join("missing");
    match kit::list_files(&missing) {
        Err(CopyError::ReadSource { .. }) => {}
        other => Report::sent("list_files of a folder that does not exist")
            .expected("Err(CopyError::ReadSource { .. })")
            .got(format!("{other:?}"))
            .cause("map read_dir's error to CopyError::ReadSource")
            .fail(),
    }
}

// --- copy_dir: in a probe -----------------------------------------------------

#[rstest]
#[case::no_files(0)]
#[case::one_file(1)]
#[case::many_files(usize::MAX)]
fn copies_every_file_and_lists_them_as_they_finish(#[case] how_many: usize) {
    let files: Vec<(String, Vec<u8>)> = many_files().into_iter().take(how_many).collect();
    let borrowed: Vec<(&str, Vec<u8>)> =
        files.iter().map(|(n, c)| (n.as_str(), c.clone())).collect();
    let (_dir, from, to) = source_with(&borrowed);
    let run = probe("copy_dir::copy", &[&from, &to]);
    let sent = format!("copy_dir(source, copy) with {} files", files.len());

    if run.value("result") != "ok" {
        Report::sent(&sent)
            .expected("Ok(names)")
            .got(format!("{}; stderr: {}", run.value("error"), run.stderr))
            .cause("see the error")
            .fail();
    }
    let returned = names(&run, "copied");
    let done: Vec<String> = run
        .values("done")
        .iter()
        .filter_map(|v| v.strip_prefix("copied "))
        .map(unquote)
        .collect();
    let expected: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let returned_set: BTreeSet<String> = returned.iter().cloned().collect();
    if returned_set != expected || returned.len() != expected.len() {
        Report::sent(&sent)
            .expected(format!(
                "each of {expected:?} once, in the order the copies finished"
            ))
            .got(format!("{returned:?}"))
            .cause("one message per child, sent when its copy is over; get them until Disconnected")
            .fail();
    }
    if done != returned {
        Report::sent(&sent)
            .expected(format!("on_done called for each file, in the same order as the returned list {returned:?}"))
            .got(format!("on_done saw {done:?}"))
            .cause("call on_done with each outcome as it arrives, and push the name in that same moment")
            .fail();
    }
    let (from, to) = (Path::new(&from), Path::new(&to));
    if entries(to) != expected {
        Report::sent(&sent)
            .expected(format!("the destination to hold exactly {expected:?}"))
            .got(format!("{:?}", entries(to)))
            .cause("create the destination with create_dir, and copy each file under its own name")
            .fail();
    }
    for name in &expected {
        expect_same_file(from, to, name, &sent);
    }
    expect_all_reaped(&run, &sent);
}

#[test]
fn refuses_an_existing_destination_and_touches_nothing() {
    let (_dir, from, to) =
        source_with(&[("a.txt", b"new a".to_vec()), ("b.txt", b"new b".to_vec())]);
    fs::create_dir(&to).expect("creating the destination");
    fs::write(Path::new(&to).join("a.txt"), b"old a").expect("writing an old file");
    let run = probe("copy_dir::copy", &[&from, &to]);
    let sent = "copy_dir(source, copy) where copy/ exists and holds a.txt = b\"old a\"";
    let old = fs::read(Path::new(&to).join("a.txt")).unwrap_or_default();
    let kept = entries(Path::new(&to)) == BTreeSet::from(["a.txt".to_string()]) && old == b"old a";
    if run.value("error_kind") != "DestinationExists" || !kept {
        Report::sent(sent)
            .expected("Err(CopyError::DestinationExists), and copy/ exactly as it was")
            .got(format!(
                "`{}`; copy/ holds {:?}, a.txt = {:?}",
                run.values("error").join(" "),
                entries(Path::new(&to)),
                String::from_utf8_lossy(&old)
            ))
            .cause("fs::create_dir fails with AlreadyExists: stop there, before any fork")
            .fail();
    }
    expect_all_reaped(&run, sent);
}

#[rstest]
#[case::a_subfolder(Odd::Subfolder)]
#[case::a_dangling_link(Odd::DanglingLink)]
#[case::a_named_pipe(Odd::NamedPipe)]
fn refuses_a_folder_holding_anything_but_regular_files(#[case] odd: Odd) {
    let (_dir, from, to) = source_with(&[("regular.txt", b"fine".to_vec())]);
    odd.make(Path::new(&from));
    let run = probe("copy_dir::copy", &[&from, &to]);
    let sent = format!("copy_dir(source, copy) where source/ holds regular.txt and `odd`, {odd:?}");
    if run.value("error_kind") != "NotARegularFile" || Path::new(&to).exists() {
        Report::sent(&sent)
            .expected("Err(CopyError::NotARegularFile), and no copy/ created")
            .got(format!(
                "`{}`; copy/ exists: {}",
                run.values("error").join(" "),
                Path::new(&to).exists()
            ))
            .cause("list the files first (list_files); create the destination only after")
            .fail();
    }
    expect_all_reaped(&run, &sent);
}

#[rstest]
#[case::the_write_fails_with_efbig("error")]
#[case::the_child_is_killed_by_sigxfsz("kill")]
fn a_failed_copy_is_reported_and_leaves_no_partial_file(#[case] on_too_big: &str) {
    // The probe limits the size of files it and its children write to 1 MiB
    // (RLIMIT_FSIZE, which binds root too): copying big.bin fails half-way.
    let (_dir, from, to) = source_with(&[
        ("small.txt", b"small".to_vec()),
        ("big.bin", pattern(3 * 1024 * 1024, 9)),
        ("also small", pattern(5000, 4)),
    ]);
    let run = probe(
        "copy_dir::copy_limited",
        &[&from, &to, "1048576", on_too_big],
    );
    let how = if on_too_big == "kill" {
        "the child copying big.bin is killed by SIGXFSZ at 1 MiB"
    } else {
        "the child copying big.bin gets EFBIG from write at 1 MiB"
    };
    let sent = format!("copy_dir(source, copy) of small.txt, big.bin (3 MiB), `also small`; {how}");

    let failed = names(&run, "failed");
    let copied: BTreeSet<String> = names(&run, "copied").into_iter().collect();
    let wanted: BTreeSet<String> = ["small.txt", "also small"].map(String::from).into();
    if run.value("error_kind") != "CopiesFailed" || failed != ["big.bin"] || copied != wanted {
        Report::sent(&sent)
            .expected("Err(CopiesFailed { copied: [small.txt, also small] in some order, failed: [big.bin] })")
            .got(format!("`{}`; stderr: {}", run.values("error").join(" "), run.stderr))
            .cause(if on_too_big == "kill" {
                "a child that dies says nothing: after the queue ends, waitpid tells how it \
                 died, and its file counts as failed"
            } else {
                "the child reports Outcome::Failed; the parent collects it into CopiesFailed"
            })
            .fail();
    }
    let left = entries(Path::new(&to));
    if left != wanted {
        Report::sent(&sent)
            .expected(format!(
                "the destination to hold {wanted:?} and no part of big.bin"
            ))
            .got(format!("{left:?}"))
            .cause(if on_too_big == "kill" {
                "a killed child cannot clean up: the parent removes what a failed child left"
            } else {
                "copy_file removes the new file when the copy fails"
            })
            .fail();
    }
    for name in &wanted {
        expect_same_file(Path::new(&from), Path::new(&to), name, &sent);
    }
    expect_all_reaped(&run, &sent);
}

// --- the program --------------------------------------------------------------

#[test]
fn program_prints_each_name_as_it_finishes_then_a_summary() {
    let files = [
        ("one.txt", b"1".to_vec()),
        ("two words.txt", b"22".to_vec()),
        ("三.bin", pattern(70_000, 5)),
    ];
    let (_dir, from, to) = source_with(&files);
    let finished = Program::start(&["copy-dir", &from, &to]).finish();
    let sent = format!("`netkit copy-dir {from} {to}` with one.txt, `two words.txt`, 三.bin");
    let lines = finished.stdout;
    let names: BTreeSet<&str> = lines.iter().take(3).map(String::as_str).collect();
    let summary = format!("copied 3 files (70003 bytes) into {to}");
    let expected: BTreeSet<&str> = files.iter().map(|(n, _)| *n).collect();
    if !finished.status.success() || lines.len() != 4 || names != expected || lines[3] != summary {
        Report::sent(&sent)
            .expected(format!(
                "the 3 names, one per line, in any order, then {summary:?}"
            ))
            .got(format!(
                "exit {}; stdout {lines:?}; stderr: {}",
                finished.status, finished.stderr
            ))
            .cause("the program prints each Outcome::Copied name in on_done, then the summary")
            .fail();
    }
    for (name, _) in &files {
        expect_same_file(Path::new(&from), Path::new(&to), name, &sent);
    }
}
