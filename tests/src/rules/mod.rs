//! The kit's repository rules, as ordinary unit tests: `cargo test -p
//! netkit-tests --lib` (a part of `cargo xtask test`) runs them with the
//! harness's own tests, and each failure names the file, the line and the fix.
//!
//! - [`assertions`]: no bare `assert!`/`assert_eq!`/`assert_ne!` in the
//!   suite or the harness: every assertion says what was expected and what
//!   came back.

mod assertions;

use std::path::{Path, PathBuf};

/// The folders, under `tests/`, whose assertions a student reads when a test
/// fails: the suite, and the harness it calls.
const TEACHING: [&str; 2] = ["suite", "src/harness"];

/// Every `.rs` file under `dir`, sorted, so that findings come in file order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("reading the folder {} failed: {e}", folder.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("reading the folder {} failed: {e}", folder.display()))
                .path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_assertion_in_the_suite_and_the_harness_has_a_message() {
    // Found at compile time: fine for a unit test, which runs where it was built.
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let kit = tests.parent().expect("tests/ lives in the kit's root");
    let mut lines = Vec::new();
    let mut per_file = Vec::new();
    for folder in TEACHING {
        for file in rust_files(&tests.join(folder)) {
            let source = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("reading {} failed: {e}", file.display()));
            let shown = file
                .strip_prefix(kit)
                .unwrap_or(&file)
                .display()
                .to_string();
            let bare = assertions::bare_assertions(&source);
            if !bare.is_empty() {
                per_file.push(format!("  {:>4}  {shown}", bare.len()));
            }
            for found in bare {
                lines.push(format!(
                    "  {shown}:{}: `{}!` without a message",
                    found.line, found.name
                ));
            }
        }
    }
    assert!(
        lines.is_empty(),
        "expected every assertion in tests/suite and tests/src/harness to carry a message; \
         found {} bare ones:\n{}\n\nper file:\n{}\n\n\
         Fix: give each one a message that says what was expected and what came back \
         (`assert_eq!(got, expected, \"expected …; got {{got:?}}\")`), \
         or fail with harness::Report (tests/src/harness/report.rs)",
        lines.len(),
        lines.join("\n"),
        per_file.join("\n")
    );
}
