//! cargo's progress while xtask builds something: a build that xtask runs
//! with its output captured would otherwise be silent, and the first build of
//! a fresh kit takes about a minute.
//!
//! [`output`] runs a cargo build with its stdout captured (the JSON messages
//! xtask reads) and its stderr passed on to ours as it comes: one line that
//! says what is building the first time a dependency compiles, then cargo's
//! own `Compiling …` lines of the dependencies and, on a terminal, its
//! progress bar (erased when done). The lines that say nothing new are
//! dropped: `Finished …`, `Executable …`, and `Compiling` of the kit's own
//! crates, which every check after an edit rebuilds in seconds (and `mutants`
//! in each round).

use anyhow::{Context, Result};
use std::io::{IsTerminal, Read, Write};
use std::process::{Command, Output, Stdio};

/// Runs `command` (a cargo build) to the end and returns its output, as
/// [`Command::output`] does, but with stderr shown while it runs (see the
/// module's doc). `what` names what is building, for the one line shown when
/// dependencies compile: `the suite`, `the book's renderer (mdBook)`.
/// The returned stderr holds every line cargo printed, without progress bars.
pub fn output(command: &mut Command, what: &str) -> Result<Output> {
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        // cargo draws its bar only on a terminal; ours is one, its pipe is not.
        command
            .env("CARGO_TERM_PROGRESS_WHEN", "always")
            // One column short: a bar that fills the last column wraps.
            .env(
                "CARGO_TERM_PROGRESS_WIDTH",
                (terminal_width() - 1).to_string(),
            );
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running cargo (is it on PATH?)")?;
    let stderr = child.stderr.take().context("cargo's stderr")?;
    let what = what.to_string();
    let relay = std::thread::spawn(move || relay(stderr, std::io::stderr(), &what, terminal));
    let mut stdout = Vec::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_end(&mut stdout)
            .context("reading cargo's output")?;
    }
    let status = child.wait().context("waiting for cargo")?;
    let stderr = relay.join().unwrap_or_default();
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}

/// Passes cargo's stderr (`from`) on to `to` until it closes, as the
/// module's doc says; returns every line of it, without the progress bar.
fn relay(mut from: impl Read, to: impl Write, what: &str, terminal: bool) -> Vec<u8> {
    let mut shown = Shown {
        to,
        what,
        terminal,
        announced: false,
        bar_drawn: false,
    };
    let mut kept = Vec::new();
    let mut pending = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for &byte in &buf[..n] {
            pending.push(byte);
            match byte {
                b'\n' => {
                    shown.line(&pending);
                    kept.extend_from_slice(&pending);
                    pending.clear();
                }
                // cargo ends each frame of its progress bar with `\r`.
                b'\r' => {
                    shown.bar(&pending);
                    pending.clear();
                }
                _ => {}
            }
        }
    }
    if !pending.is_empty() {
        pending.push(b'\n');
        shown.line(&pending);
        kept.extend_from_slice(&pending);
    }
    shown.erase_bar();
    kept
}

/// What has been shown so far. Writing is best effort: a closed stderr must
/// not stop the build.
struct Shown<'a, W: Write> {
    to: W,
    what: &'a str,
    terminal: bool,
    /// Whether the line saying what is building has been shown.
    announced: bool,
    /// Whether a frame of the progress bar is on the screen's last line.
    bar_drawn: bool,
}

impl<W: Write> Shown<'_, W> {
    /// One line of cargo's (ending in `\n`).
    fn line(&mut self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let status = text.trim_start();
        let dependency = compiles_a_dependency(status);
        let quiet = ["Finished ", "Executable ", "Running ", "Compiling "]
            .iter()
            .any(|s| status.starts_with(s));
        // xtask explains a compile error itself, pointed at the student's file.
        let redundant = ["error: could not compile ", "warning: build failed"]
            .iter()
            .any(|s| status.starts_with(s));
        if (quiet && !dependency) || redundant {
            return;
        }
        self.erase_bar();
        if !self.announced && dependency {
            self.announced = true;
            let _ = writeln!(
                self.to,
                "Building {} and its dependencies: the first build takes about a minute, \
                 later ones a few seconds.",
                self.what
            );
        }
        let _ = self.to.write_all(line);
        let _ = self.to.flush();
    }

    /// One frame of cargo's progress bar (ending in `\r`), on a terminal only.
    fn bar(&mut self, frame: &[u8]) {
        if !self.terminal {
            return;
        }
        let _ = self.to.write_all(frame);
        let _ = self.to.flush();
        self.bar_drawn = true;
    }

    /// cargo erases its bar only when it writes to a terminal itself; it
    /// writes to our pipe, so we erase it before the next line, and at the end.
    fn erase_bar(&mut self) {
        if self.bar_drawn {
            let _ = self.to.write_all(b"\r\x1b[K");
            let _ = self.to.flush();
            self.bar_drawn = false;
        }
    }
}

/// `Compiling rusqlite v0.43.0` (a registry crate: no path in brackets), not
/// `Compiling exercises v0.1.0 (/…/exercises)`, one of the kit's own.
fn compiles_a_dependency(status: &str) -> bool {
    status.starts_with("Compiling ") && !status.trim_end().ends_with(')')
}

/// Our terminal's width in columns (80 if it cannot be told; at least 20).
fn terminal_width() -> u16 {
    // SAFETY: TIOCGWINSZ fills the `winsize` we pass and reads nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        size.ws_col.max(20)
    } else {
        80
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_a_dependency_from_the_kits_own_crates() {
        assert!(
            compiles_a_dependency("Compiling rusqlite v0.43.0\n"),
            "a registry crate is a dependency"
        );
        assert!(
            !compiles_a_dependency("Compiling exercises v0.1.0 (/work/kit/exercises)\n"),
            "a path crate is the kit's own"
        );
        assert!(
            !compiles_a_dependency("Finished `test` profile\n"),
            "only Compiling lines count"
        );
    }

    /// cargo's stderr in a first build: a dependency, the bar, a crate of
    /// the kit, the closing line, cargo's word on a compile error (which xtask
    /// says better), and a last line without `\n`.
    const CARGO: &[u8] = b"   Compiling a v1.0.0\n    Building [=> ] 1/2: a\r   Compiling b v0.1.0 (/k/b)\n    Finished `dev` profile\nerror: could not compile `exercises` (lib) due to 1 previous error\nwarning: x";

    #[test]
    fn keeps_every_line_but_no_progress_bar() {
        let kept = relay(CARGO, Vec::new(), "the suite", false);
        assert_eq!(
            String::from_utf8_lossy(&kept),
            "   Compiling a v1.0.0\n   Compiling b v0.1.0 (/k/b)\n    Finished `dev` profile\n\
             error: could not compile `exercises` (lib) due to 1 previous error\nwarning: x\n",
            "the kept stderr is cargo's lines, a last line without `\\n` included, and no bar"
        );
    }

    #[test]
    fn shows_what_builds_and_the_dependencies_not_the_kits_own_crates() {
        let mut shown = Vec::new();
        relay(CARGO, &mut shown, "the suite", false);
        assert_eq!(
            String::from_utf8_lossy(&shown),
            "Building the suite and its dependencies: the first build takes about a minute, \
             later ones a few seconds.\n   Compiling a v1.0.0\nwarning: x\n",
            "not on a terminal: the announcement, dependencies and warnings, no bar"
        );
        let mut shown = Vec::new();
        relay(CARGO, &mut shown, "the suite", true);
        let shown = String::from_utf8_lossy(&shown);
        assert!(
            shown.contains("    Building [=> ] 1/2: a\r\r\x1b[Kwarning: x\n"),
            "on a terminal: the bar, erased before the next line; got {shown:?}"
        );
    }
}
