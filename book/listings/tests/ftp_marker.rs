//! `ftp-marker` prints exactly what the book shows
//! (book/listings/output/ftp-marker.txt, included by ch3/ftp-protocol.md).

use std::time::Duration;

#[test]
fn ftp_marker_prints_what_the_book_shows() {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_ftp-marker"))
        .timeout(Duration::from_secs(10))
        .assert()
        .success()
        .stdout(include_str!("../output/ftp-marker.txt"));
}
