//! The listings in `broken/` are meant NOT to compile: the book shows the
//! compiler's error for each, captured into `output/NAME.txt` by
//! `broken/capture.sh`. This test compiles each one again and checks that it
//! still fails, with the same errors (`error[E…]: …` lines) as the captured
//! text: if a new compiler words them differently, run `capture.sh` again.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The compiler: `$RUSTC`, else the `rustc` beside the `cargo` running us,
/// else whatever `rustc` is on the PATH.
fn rustc() -> PathBuf {
    if let Some(rustc) = std::env::var_os("RUSTC") {
        return rustc.into();
    }
    if let Some(cargo) = std::env::var_os("CARGO") {
        let beside = Path::new(&cargo).with_file_name("rustc");
        if beside.exists() {
            return beside;
        }
    }
    "rustc".into()
}

/// The region of `source` between `// ANCHOR: all` and `// ANCHOR_END: all`:
/// what the book shows and what `capture.sh` compiles.
fn shown_region(source: &str) -> String {
    source
        .lines()
        .skip_while(|line| !line.ends_with("ANCHOR: all"))
        .skip(1)
        .take_while(|line| !line.ends_with("ANCHOR_END: all"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// The `error[E…]: …` headline lines of a compiler message (rustc and cargo
/// differ only in the summary lines after them).
fn headlines(message: &str) -> Vec<String> {
    message
        .lines()
        .filter(|line| line.starts_with("error["))
        .map(str::to_string)
        .collect()
}

#[test]
fn broken_listings_still_fail_as_the_book_shows() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut checked = 0;
    for entry in std::fs::read_dir(here.join("broken")).expect("broken/ exists") {
        let path = entry.expect("a folder entry").path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let source = std::fs::read_to_string(&path).unwrap();
        let main = scratch.path().join(format!("{name}.rs"));
        std::fs::write(&main, shown_region(&source)).unwrap();

        let output = Command::new(rustc())
            .args([
                "--edition",
                "2024",
                "--crate-type",
                "bin",
                "--emit",
                "metadata",
            ])
            .arg("--out-dir")
            .arg(scratch.path())
            .arg(&main)
            .output()
            .expect("running rustc");
        assert!(
            !output.status.success(),
            "broken/{name}.rs compiled, but the book says it does not"
        );
        let now = headlines(&String::from_utf8_lossy(&output.stderr));
        let captured_path = here.join("output").join(format!("{name}.txt"));
        let captured = std::fs::read_to_string(&captured_path)
            .unwrap_or_else(|_| panic!("no {} (run broken/capture.sh)", captured_path.display()));
        assert_eq!(
            now,
            headlines(&captured),
            "broken/{name}.rs now fails with other errors than output/{name}.txt shows: \
             run broken/capture.sh"
        );
        checked += 1;
    }
    assert!(checked > 0, "no listing in broken/");
}
