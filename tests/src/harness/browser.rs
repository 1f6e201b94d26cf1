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

    /// Loads `url` with the network cut off (every host name fails to
    /// resolve, and every request that is not for a file goes to a proxy
    /// where nothing listens) in a window of `width`×`height`, lets the
    /// page's timers and fonts run for up to `budget` of virtual time, and
    /// returns the DOM then: how the book's pages are tried as a reader
    /// opens them, from `file://`, offline.
    #[track_caller]
    pub fn dump_dom_offline(&self, url: &str, width: u32, height: u32, budget: Duration) -> String {
        let finished = self.run(&[
            "--host-resolver-rules=MAP * ~NOTFOUND".to_string(),
            "--proxy-server=127.0.0.1:9".to_string(),
            format!("--window-size={width},{height}"),
            format!("--virtual-time-budget={}", budget.as_millis()),
            "--dump-dom".to_string(),
            url.to_string(),
        ]);
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
        let program = Program::start_command(command_line, command);
        let finished = {
            // Ended, killed past the limit, or unwinding: crash handlers go too.
            let _handlers = CrashHandlers(profile.path());
            program.finish_within(BROWSER_LIMIT)
        };
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

/// On drop, ends the crash handlers (`chrome_crashpad_handler`) of the run
/// whose profile is at this path, and reaps those that are ours.
///
/// Chromium starts two, each in a session of its own (double-forked, so
/// that a crash of the browser does not take them down): the group kill
/// misses them. The harness is a child subreaper ([`Program`] makes it one),
/// so they are re-parented to this process; left alone, they would exit
/// soon after the browser and stay zombies of the test process. A live one
/// is known by its command line, which names the run's profile folder (its
/// `--database`); one that has already exited, by its name, as a zombie
/// child of ours.
struct CrashHandlers<'a>(&'a Path);

impl Drop for CrashHandlers<'_> {
    fn drop(&mut self) {
        use nix::sys::signal::{Signal, kill};
        use nix::unistd::Pid;
        let me = std::process::id();
        let profile = self.0.to_string_lossy().into_owned();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return;
        };
        let mut elsewhere = Vec::new();
        for pid in entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // `pid (name) state ppid …`
            let Some((head, rest)) = stat.rsplit_once(')') else {
                continue;
            };
            let name = head.split_once('(').map_or("", |(_, n)| n);
            let mut fields = rest.split_whitespace();
            let state = fields.next().unwrap_or("");
            let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let ours_alive = String::from_utf8_lossy(&cmdline).contains(&profile);
            let ours_dead = state == "Z" && ppid == Some(me) && name.starts_with("chrome_crashpad");
            if !(ours_alive || ours_dead) {
                continue;
            }
            let pid = Pid::from_raw(pid as i32);
            if ours_alive {
                let _ = kill(pid, Signal::SIGKILL);
            }
            if ppid == Some(me) {
                // Killed or exited: this returns at once.
                let _ = nix::sys::wait::waitpid(pid, None);
            } else if ours_alive {
                // Killed while its parent (Chromium's, or the process that
                // double-forked it) still lives: when that one exits, it
                // becomes a zombie child of ours (a subreaper), which only
                // we can reap. Wait for that, bounded.
                elsewhere.push(pid);
            }
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !elsewhere.is_empty() && std::time::Instant::now() < deadline {
            elsewhere.retain(|&pid| {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    return false; // gone: reaped by its own parent
                };
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
                if ppid == Some(me) {
                    let _ = nix::sys::wait::waitpid(pid, None);
                    return false;
                }
                true
            });
            if !elsewhere.is_empty() {
                std::thread::park_timeout(super::STEP);
            }
        }
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
