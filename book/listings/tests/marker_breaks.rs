//! `marker-breaks` prints exactly what the book shows
//! (book/listings/output/marker-breaks.txt, included by ch1/tcp-upload.md).

use std::time::Duration;

#[test]
fn marker_breaks_prints_what_the_book_shows() {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_marker-breaks"))
        .timeout(Duration::from_secs(10))
        .assert()
        .success()
        .stdout(include_str!("../output/marker-breaks.txt"));
}
