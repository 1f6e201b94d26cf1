//! `cargo xtask watch [TARGET] [--manual]`: a check on every save.
//!
//! The student's loop without typing the command: `watch` checks the first
//! exercise of TARGET (`all`, `chapter1`, `udp-dict`) that is not done,
//! shows its state and first failure, and checks it again each time a file
//! of `exercises/` is saved. When it passes, `watch` moves on to the next
//! one not done. Keys, pressed alone: `n` next exercise, `h` its next hint,
//! `l` the list of TARGET's states, `a` check all of TARGET, `r` or Enter
//! check now, `q` quit.
//!
//! Saves are seen by file events (inotify, through `notify`), gathered for
//! a moment ([`QUIET`]) so that an editor's several writes make one check.
//! Some file systems send no events (network and shared folders, some
//! containers): a probe file written at the start tells, and `watch` then
//! says so and looks at the files' modification times every
//! [`POLL`] instead, as `--manual` does from the start.

mod keys;

use crate::check::{self, Status};
use crate::manifest::{Exercise, Manifest};
use crate::suite::Kit;
use anyhow::{Context, Result};
use keys::{Key, RawKeys};
use notify::Watcher;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant, SystemTime};

/// How long the files must stay quiet after an event before the check
/// starts: an editor's save is often several writes and a rename.
const QUIET: Duration = Duration::from_millis(250);

/// How often the files' times are compared without file events.
const POLL: Duration = Duration::from_secs(1);

/// How long the probe's event may take before file events count as absent.
const PROBE_WAIT: Duration = Duration::from_secs(2);

/// What `watch` waits for.
enum Event {
    Key(Key),
    /// A file event under exercises/ (the paths it names).
    Changed(Vec<PathBuf>),
}

/// `cargo xtask watch`'s options.
pub struct Options {
    pub what: String,
    pub kit: Kit,
    pub manual: bool,
}

/// Watches until `q` or Ctrl-C. Without keys (stdin closed), saves still
/// start checks, until the process is stopped.
pub fn watch(root: &Path, manifest: &Manifest, options: &Options) -> Result<bool> {
    let exercises = manifest.select(&options.what)?;
    let folder = root.join("exercises");
    let (sender, events) = mpsc::channel();
    let _raw = RawKeys::enable();
    keys::spawn(sender.clone(), Event::Key);

    let mut watcher = None;
    let mut polling = options.manual;
    if !polling {
        match start_watcher(&folder, sender) {
            Ok(w) if probe(&folder, &events)? => watcher = Some(w),
            Ok(_) => {
                println!(
                    "No file event came from {} for a file written there (a network or shared \
                     file system does that): looking at the files' times every second instead, \
                     as `--manual` does.",
                    folder.display()
                );
                polling = true;
            }
            Err(e) => {
                println!(
                    "File events are not available here ({e:#}): looking at the files' times \
                     every second instead, as `--manual` does."
                );
                polling = true;
            }
        }
    }
    let mut session = Session {
        root,
        manifest,
        kit: options.kit,
        what: &options.what,
        exercises,
        current: 0,
        hints: BTreeMap::new(),
        polling,
        times: file_times(&folder.join("src")),
    };
    session.start()?;
    loop {
        let event = if polling {
            match events.recv_timeout(POLL) {
                Ok(event) => Some(event),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return Ok(true),
            }
        } else {
            Some(events.recv().context("the watch's events ended")?)
        };
        match event {
            None => {
                let changed = session.changed_files();
                if !changed.is_empty() {
                    session.recheck(&changed)?;
                }
            }
            Some(Event::Changed(paths)) => {
                let mut saved: Vec<PathBuf> = paths.into_iter().filter(|p| is_source(p)).collect();
                if saved.is_empty() {
                    continue;
                }
                saved.extend(gather(&events));
                saved.sort();
                saved.dedup();
                session.times = file_times(&folder.join("src"));
                session.recheck(&saved)?;
            }
            Some(Event::Key(key)) => match key {
                Key::Char('q') => break,
                Key::Char('n') => session.next()?,
                Key::Char('h') => session.hint(),
                Key::Char('l') => session.list()?,
                Key::Char('a') => session.check_all()?,
                Key::Char('r') | Key::Enter => {
                    let changed = session.changed_files();
                    if !changed.is_empty() && watcher.is_some() {
                        println!(
                            "(No file event came for {}: if saves are not seen here, use \
                             `cargo xtask watch --manual`.)",
                            changed
                                .iter()
                                .map(|p| session.show_path(p))
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                    session.recheck(&changed)?;
                }
                Key::End => {
                    // No keys (stdin was closed): saves still count; stop
                    // with Ctrl-C.
                }
                Key::Char(_) => session.footer(),
            },
        }
    }
    drop(watcher);
    println!("Stopped watching.");
    Ok(true)
}

/// A watcher on `folder` (recursive) that sends each relevant event.
fn start_watcher(folder: &Path, events: Sender<Event>) -> Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        use notify::EventKind;
        use notify::event::{AccessKind, AccessMode};
        let relevant = matches!(
            event.kind,
            EventKind::Create(_)
                | EventKind::Modify(_)
                | EventKind::Remove(_)
                | EventKind::Access(AccessKind::Close(AccessMode::Write))
        );
        if relevant {
            let _ = events.send(Event::Changed(event.paths));
        }
    })
    .context("starting a file watcher")?;
    watcher
        .watch(folder, notify::RecursiveMode::Recursive)
        .with_context(|| format!("watching {}", folder.display()))?;
    Ok(watcher)
}

/// Writes a probe file in `folder` and waits for its event; whether one came.
fn probe(folder: &Path, events: &Receiver<Event>) -> Result<bool> {
    let probe = folder.join(format!(".netkit-watch-probe-{}", std::process::id()));
    std::fs::write(&probe, b"probe\n").with_context(|| format!("writing {}", probe.display()))?;
    let deadline = Instant::now() + PROBE_WAIT;
    let mut seen = false;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(Event::Changed(paths)) if paths.iter().any(|p| p == &probe) => {
                seen = true;
                break;
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = std::fs::remove_file(&probe);
    // The removal's event, and any other of the probe's, are not saves.
    while let Ok(Event::Changed(_)) = events.recv_timeout(Duration::from_millis(50)) {}
    Ok(seen)
}

/// The further paths of the events that follow within [`QUIET`] of each
/// other: one save, one check.
fn gather(events: &Receiver<Event>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    while let Ok(Event::Changed(more)) = events.recv_timeout(QUIET) {
        paths.extend(more.into_iter().filter(|p| is_source(p)));
    }
    paths
}

/// A Rust source file, the only kind of file a student saves that changes
/// a check (an editor's swap and backup files are not).
fn is_source(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// Every `.rs` file under `dir`, with its modification time and length.
fn file_times(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if is_source(&path) {
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                found.insert(path, (modified, meta.len()));
            }
        }
    }
    found
}

/// The paths whose time or length differ between two looks (added and
/// removed files too).
fn differences(
    before: &BTreeMap<PathBuf, (SystemTime, u64)>,
    now: &BTreeMap<PathBuf, (SystemTime, u64)>,
) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = now
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(before.keys().filter(|p| !now.contains_key(*p)).cloned());
    changed
}

/// Where the student is: TARGET's exercises and the one being worked on.
struct Session<'a> {
    root: &'a Path,
    manifest: &'a Manifest,
    kit: Kit,
    what: &'a str,
    exercises: Vec<&'a Exercise>,
    current: usize,
    /// The last hint shown, per exercise.
    hints: BTreeMap<String, usize>,
    polling: bool,
    times: BTreeMap<PathBuf, (SystemTime, u64)>,
}

impl<'a> Session<'a> {
    fn exercise(&self) -> &'a Exercise {
        self.exercises[self.current]
    }

    fn show_path(&self, path: &Path) -> String {
        path.strip_prefix(self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// Files changed since the last look at their times; updates the look.
    fn changed_files(&mut self) -> Vec<PathBuf> {
        let now = file_times(&self.root.join("exercises/src"));
        let changed = differences(&self.times, &now);
        self.times = now;
        changed
    }

    /// The first check: every exercise of TARGET, to start on the first
    /// one not done.
    fn start(&mut self) -> Result<()> {
        clear();
        println!(
            "Watching exercises/ for {} against {}…",
            check::describe(self.what, self.exercises.len()),
            self.kit.name()
        );
        let statuses = self.evaluate(&self.exercises.clone())?;
        self.current = first_not_done(&statuses, 0).unwrap_or(0);
        self.show(&statuses, None)
    }

    /// A check of the current exercise after `saved` changed; on to the
    /// next one not done when it passes.
    fn recheck(&mut self, saved: &[PathBuf]) -> Result<()> {
        clear();
        let when = clock();
        let names: Vec<String> = saved.iter().map(|p| self.show_path(p)).collect();
        if names.is_empty() {
            println!("{when} · checking {}…", self.exercise().id);
        } else {
            println!(
                "{when} · {} saved · checking {}…",
                names.join(", "),
                self.exercise().id
            );
        }
        let statuses = self.evaluate(&[self.exercise()])?;
        if !statuses.first().is_some_and(Status::is_done) {
            return self.show(&statuses, None);
        }
        let passed = self.exercise().id.clone();
        println!("✓ {passed} passes. Checking the others of {}…", self.what);
        let all = self.evaluate(&self.exercises.clone())?;
        match first_not_done(&all, self.current) {
            Some(next) => {
                self.current = next;
                self.show(&all, Some(&passed))
            }
            None => self.show(&all, Some(&passed)),
        }
    }

    /// `n`: the next exercise of TARGET, done or not.
    fn next(&mut self) -> Result<()> {
        self.current = (self.current + 1) % self.exercises.len();
        clear();
        println!("{} · on to {}…", clock(), self.exercise().id);
        let statuses = self.evaluate(&[self.exercise()])?;
        self.show(&statuses, None)
    }

    /// `h`: the current exercise's next hint (after the last, the first again).
    fn hint(&mut self) {
        let exercise = self.exercises[self.current];
        let count = exercise.hints.len();
        if count == 0 {
            println!("{} has no hints.", exercise.id);
            return self.footer();
        }
        let shown = self.hints.entry(exercise.id.clone()).or_insert(0);
        *shown = *shown % count + 1;
        println!("\nHint {shown} of {count} for {}:", exercise.id);
        for line in exercise.hints[*shown - 1].lines() {
            println!("  {line}");
        }
        if *shown == count {
            println!(
                "That was the last hint. The page explains the idea: {}",
                check::read_pointer(exercise)
            );
        }
        self.footer();
    }

    /// `l`: TARGET's exercises, one line each.
    fn list(&mut self) -> Result<()> {
        println!("\n{} · the states of {}…", clock(), self.what);
        let statuses = self.evaluate(&self.exercises.clone())?;
        check::print_statuses(self.manifest, &statuses, false);
        self.footer();
        Ok(())
    }

    /// `a`: every exercise of TARGET, each with its first failure.
    fn check_all(&mut self) -> Result<()> {
        clear();
        println!("{} · checking all of {}…", clock(), self.what);
        let statuses = self.evaluate(&self.exercises.clone())?;
        check::print_statuses(self.manifest, &statuses, true);
        self.footer();
        Ok(())
    }

    fn evaluate(&self, exercises: &[&'a Exercise]) -> Result<Vec<Status<'a>>> {
        // A check reads every file as it is now: later saves are news.
        let evaluation = check::evaluate(self.root, self.manifest, exercises, self.kit)?;
        check::print_notes(&evaluation);
        check::print_errors(&evaluation.errors);
        Ok(evaluation.statuses)
    }

    /// The current exercise's block, what was passed on the way, and the
    /// keys.
    fn show(&self, statuses: &[Status<'_>], passed: Option<&str>) -> Result<()> {
        let done = statuses.iter().filter(|s| s.is_done()).count();
        let current = self.exercise();
        if let Some(status) = statuses.iter().find(|s| s.exercise.id == current.id) {
            if status.is_done() && done == statuses.len() && statuses.len() > 1 {
                println!(
                    "\nAll {} exercises of {} pass. Well done!{}",
                    statuses.len(),
                    self.what,
                    passed.map_or(String::new(), |p| format!(" ({p} was the last.)"))
                );
            } else {
                if passed.is_some() {
                    println!("On to the next one not done, {}.", current.id);
                }
                let position = self.current + 1;
                println!(
                    "\nexercise {position} of {}: {} · {}",
                    self.exercises.len(),
                    current.id,
                    current.title
                );
                check::print_statuses(self.manifest, std::slice::from_ref(status), true);
            }
        }
        self.footer();
        Ok(())
    }

    fn footer(&self) {
        let how = if self.polling {
            "the files' times are looked at every second"
        } else {
            "each save checks again"
        };
        println!(
            "\n[n] next exercise · [h] hint · [l] list · [a] check all of {} · [r]/Enter check now · [q] quit  ({how})",
            self.what
        );
    }
}

/// The first status from `from` on (then from the start) that is not done.
fn first_not_done(statuses: &[Status<'_>], from: usize) -> Option<usize> {
    let n = statuses.len();
    (0..n)
        .map(|i| (from + i) % n)
        .find(|&i| !statuses[i].is_done())
}

/// Clears a terminal, so that each check starts at the top; nothing on a
/// pipe, where the history is the log.
fn clear() {
    use std::io::{IsTerminal, Write};
    if std::io::stdout().is_terminal() {
        print!("\x1b[2J\x1b[H");
        let _ = std::io::stdout().flush();
    }
}

/// The time of day, UTC, as `14:02:03`.
fn clock() -> String {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02} UTC",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_whose_time_or_length_changed_or_that_came_or_went_is_a_difference() {
        let t0 = SystemTime::UNIX_EPOCH;
        let t1 = t0 + Duration::from_secs(1);
        let before: BTreeMap<PathBuf, (SystemTime, u64)> = [
            (PathBuf::from("a.rs"), (t0, 10)),
            (PathBuf::from("b.rs"), (t0, 10)),
            (PathBuf::from("gone.rs"), (t0, 1)),
        ]
        .into();
        let now: BTreeMap<PathBuf, (SystemTime, u64)> = [
            (PathBuf::from("a.rs"), (t1, 10)),
            (PathBuf::from("b.rs"), (t0, 10)),
            (PathBuf::from("new.rs"), (t0, 3)),
        ]
        .into();
        let mut changed = differences(&before, &now);
        changed.sort();
        assert_eq!(
            changed,
            [
                PathBuf::from("a.rs"),
                PathBuf::from("gone.rs"),
                PathBuf::from("new.rs")
            ],
            "a.rs was saved, new.rs came, gone.rs went; b.rs is as it was"
        );
    }

    #[test]
    fn only_rust_sources_count_as_saves() {
        assert!(is_source(Path::new("exercises/src/ch1/udp_dict.rs")));
        for other in [
            "exercises/src/ch1/.udp_dict.rs.swp",
            "exercises/src/ch1/udp_dict.rs~",
            "exercises/.netkit-watch-probe-1",
            "exercises/src/ch1/udp_dict.rs.backup-2026-12-02T14-15-03Z",
        ] {
            assert!(!is_source(Path::new(other)), "{other} is no save");
        }
    }

    #[test]
    fn file_events_of_a_real_folder_arrive_and_the_probe_sees_them() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let (sender, events) = mpsc::channel();
        let _watcher = start_watcher(dir.path(), sender).expect("a watcher on a local folder");
        assert!(
            probe(dir.path(), &events).expect("the probe"),
            "expected the probe file's event from a local temporary folder"
        );
        std::fs::write(dir.path().join("lib.rs"), "// saved\n").expect("a save");
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = false;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match events.recv_timeout(left) {
                Ok(Event::Changed(paths)) if paths.iter().any(|p| p.ends_with("lib.rs")) => {
                    seen = true;
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
        assert!(
            seen,
            "expected an event for lib.rs within 10 s of writing it"
        );
    }
}
