//! [`Browser`]: headless Chromium, to load a page as a real browser does
//! (the page, then its style sheets and images) and see what it rendered:
//! the DOM after loading ([`Browser::dump_dom`]) or a screenshot
//! ([`Browser::screenshot`]).
//!
//! Each load is one Chromium run with the flags this machine needs (no
//! sandbox as root, no GPU, no QUIC, and none of the background traffic to
//! Google's hosts that a closed network refuses), and a fresh profile in a
//! temporary folder. Every run is bounded by [`BROWSER_LIMIT`]; past it, or
//! when the run ends, its whole process group is killed and reaped, so no
//! renderer or zygote is left running.

use super::tools::Tool;
use super::{Finished, Program};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The longest one Chromium run may take: a cold start on a loaded machine
/// takes a few seconds; a page on loopback, milliseconds.
pub const BROWSER_LIMIT: Duration = Duration::from_secs(60);

/// The flags of every run (the machine notes' list).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The Chromium at a path (from [`Tool::find`]).
pub struct Browser {
    chromium: PathBuf,
}

impl Browser {
    pub fn new(chromium: PathBuf) -> Browser {
        Browser { chromium }
    }

    /// The installed Chromium, or `None` after printing the skip line
    /// ([`Tool::or_skip`]).
    pub fn or_skip(what: &str) -> Option<Browser> {
        Tool::Chromium.or_skip(what).map(Browser::new)
    }

    /// Loads `url` and returns the DOM as Chromium serialises it once the
    /// page has loaded (`--dump-dom`).
    #[track_caller]
    pub fn dump_dom(&self, url: &str) -> String {
        let finished = self.run(&["--dump-dom".to_string(), url.to_string()]);
        finished.stdout.join("\n")
    }

    /// Loads `url` in a window of `width`×`height` pixels and writes what it
    /// rendered to `png` (`--screenshot`).
    #[track_caller]
    pub fn screenshot(&self, url: &str, png: &Path, width: u32, height: u32) {
        let finished = self.run(&[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
            "--hide-scrollbars".to_string(),
            url.to_string(),
        ]);
        assert!(
            png.is_file(),
            "`{}` wrote no screenshot at {}; stderr: {}",
            finished.command_line,
            png.display(),
            finished.stderr
        );
    }

    /// One bounded run; fails the test unless Chromium exits with 0.
    #[track_caller]
    fn run(&self, args: &[String]) -> Finished {
        let profile = tempfile::tempdir().expect("a temporary folder for Chromium's profile");
        let mut command = Command::new(&self.chromium);
        command
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            // Its crash handler and caches go to HOME: keep them in there too.
            .env("HOME", profile.path());
        let command_line = format!("chromium {}", args.join(" "));
        let finished = Program::start_command(command_line, command).finish_within(BROWSER_LIMIT);
        assert!(
            finished.status.success(),
            "`{}` exited with {}; stderr: {}",
            finished.command_line,
            finished.status,
            finished.stderr
        );
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::super::{nginx_or_skip, test_site};
    use super::*;

    #[test]
    fn chromium_renders_a_site_served_by_nginx() {
        let Some(browser) = Browser::or_skip("Chromium renders a site") else {
            return;
        };
        let site = test_site::write();
        let Some(nginx) = nginx_or_skip("Chromium renders a site", site.path()) else {
            return;
        };
        let dom = browser.dump_dom(&nginx.url(""));
        assert!(
            dom.contains("Served by a real server"),
            "the page's heading is in the DOM:\n{dom}"
        );
        let (w, h) = test_site::DOT;
        // The page's script writes what the browser made of the style sheet
        // (the heading's colour) and the image (its size) once all loaded.
        let expected = format!("color=rgb(0, 128, 0) image={w}x{h}");
        assert!(
            dom.contains(&expected),
            "the style sheet and the image loaded: expected {expected:?} in the DOM:\n{dom}"
        );
    }

    #[test]
    fn chromium_takes_a_screenshot_of_the_asked_size() {
        let Some(browser) = Browser::or_skip("Chromium takes a screenshot") else {
            return;
        };
        let site = test_site::write();
        let Some(nginx) = nginx_or_skip("Chromium takes a screenshot", site.path()) else {
            return;
        };
        let out = tempfile::tempdir().expect("a folder for the screenshot");
        let png = out.path().join("site.png");
        browser.screenshot(&nginx.url(""), &png, 640, 400);
        let bytes = std::fs::read(&png).expect("read the screenshot");
        assert_eq!(
            test_site::png_size(&bytes),
            Some((640, 400)),
            "the screenshot is a PNG of 640×400 ({} bytes)",
            bytes.len()
        );
    }
}
