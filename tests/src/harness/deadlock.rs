//! A deadlock among processes, seen from outside: a probe and every process
//! below it asleep, each in a wait that only another of them could end.
//!
//! Code that forks hangs in its own ways: a parent waits for a child that
//! waits for a byte the parent was to send after the wait; a reader waits for
//! the end of a pipe whose write end it holds itself. Waiting out a timeout
//! to call that a failure costs the student seconds per test. [`DeadlockWatch`]
//! sees it at once, and without any timing threshold: the kernel tells, per
//! process, that it is asleep (`S`), where (`/proc/PID/wchan`: in `waitpid`,
//! on a pipe, on a Unix socket), and how often it has gone to sleep. When two
//! looks, a [`STEP`](super::STEP) apart, find the same processes all asleep
//! in such waits (or zombies), none having woken in between, then at one
//! moment all of them were asleep, and none of them can be the one to wake
//! another: nothing will ever happen again.
//!
//! A sleep with a timer (`nanosleep`, `poll` with a timeout) is never taken
//! for a deadlock. Where the kernel does not name the function a process
//! sleeps in (`wchan` reads `0`), no deadlock is ever seen, and a hang is
//! caught by the wait's own timeout, as before.

use crate::probes::procfs::{self, Activity};

/// Watches a process and everything below it for a deadlock: call
/// [`DeadlockWatch::look`] once per [`STEP`](super::STEP).
#[derive(Debug)]
pub struct DeadlockWatch {
    root: i32,
    /// The family at the last look, if it was all blocked then.
    last: Option<Vec<Activity>>,
}

/// A family found blocked: every member asleep in a wait on another process,
/// or a zombie, at two looks in a row, and none woken in between.
#[derive(Debug, Clone)]
pub struct Blocked {
    /// The process watched first, then the ones below it.
    pub members: Vec<Activity>,
}

impl DeadlockWatch {
    /// Watches the process `root` (a probe) and its descendants.
    pub fn new(root: u32) -> Self {
        DeadlockWatch {
            root: root as i32,
            last: None,
        }
    }

    /// Looks once. `Some` when this look and the one before both found every
    /// member blocked, with the same members, each asleep at the same place
    /// and not once woken in between.
    pub fn look(&mut self) -> Option<Blocked> {
        let members = self.blocked_family();
        let settled = members.is_some() && members == self.last;
        self.last = members;
        if settled {
            self.last.clone().map(|members| Blocked { members })
        } else {
            None
        }
    }

    /// The family, if every member is blocked now.
    fn blocked_family(&self) -> Option<Vec<Activity>> {
        // The usual answer ("the probe is busy") costs one small read.
        if !procfs::activity(self.root)?.waits_on_another_process() {
            return None;
        }
        // A member gone between the listing and the reading: not settled.
        let members: Vec<Activity> = procfs::family(self.root)
            .into_iter()
            .map(procfs::activity)
            .collect::<Option<_>>()?;
        members
            .iter()
            .all(|m| m.proc.is_zombie() || m.waits_on_another_process())
            .then_some(members)
    }
}

impl Blocked {
    /// How many children (zombies included) the process `parent` has.
    pub fn children_of(&self, parent: u32) -> usize {
        self.members
            .iter()
            .filter(|m| m.proc.ppid == parent as i32)
            .count()
    }

    /// One line per member: who it is and what it waits for.
    pub fn describe(&self) -> String {
        let root = self.members.first().map(|m| m.proc.pid);
        let lines: Vec<String> = self
            .members
            .iter()
            .map(|m| {
                let who = if Some(m.proc.pid) == root {
                    format!("the probe {}", m.proc.pid)
                } else {
                    format!("its descendant {} (child of {})", m.proc.pid, m.proc.ppid)
                };
                format!("{who} {}", what_it_waits_for(m))
            })
            .collect();
        lines.join("; ")
    }
}

/// What a blocked process waits for, in words, with the kernel's name for it.
fn what_it_waits_for(member: &Activity) -> String {
    if member.proc.is_zombie() {
        return "has exited and is not reaped yet (a zombie)".to_string();
    }
    let wchan = member.wchan.as_str();
    let what = if wchan.contains("wait4") || wchan.contains("waitid") || wchan == "do_wait" {
        "waits for a child to end (waitpid)"
    } else if wchan.contains("pipe_read") {
        "reads a pipe or FIFO, and no byte comes"
    } else if wchan.contains("pipe_write") {
        "writes a pipe or FIFO that is full, and nobody reads"
    } else if wchan.contains("wait_for_partner") {
        "opens a FIFO, waiting for the other end to be opened"
    } else if wchan.contains("read") || wchan.contains("recv") || wchan.contains("data_wait") {
        "reads a socket, and no byte comes"
    } else {
        "waits on a socket"
    };
    format!("{what} [{wchan}]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    /// Looks up to 50 times, a STEP apart, until `look` says blocked.
    fn blocked_within_a_second(watch: &mut DeadlockWatch) -> Option<Blocked> {
        (0..50).find_map(|_| {
            std::thread::sleep(crate::harness::STEP);
            watch.look()
        })
    }

    #[test]
    fn a_reader_of_a_pipe_nobody_writes_is_blocked() {
        // `cat` reads its stdin, a pipe whose write end we hold and never use.
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .spawn()
            .expect("starting cat");
        let mut watch = DeadlockWatch::new(cat.id());
        let wchan_known = procfs::activity(cat.id() as i32).is_some_and(|a| a.wchan != "0");
        let blocked = blocked_within_a_second(&mut watch);
        let _ = cat.kill();
        let _ = cat.wait();
        if wchan_known {
            let blocked = blocked.expect("cat reading an idle pipe should be seen blocked");
            assert!(
                blocked.describe().contains("reads a pipe"),
                "expected `reads a pipe` in {:?}",
                blocked.describe()
            );
        }
    }

    #[test]
    fn a_sleep_with_a_timer_is_not_blocked() {
        let mut sleeper = Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("starting sleep");
        let mut watch = DeadlockWatch::new(sleeper.id());
        let blocked = (0..10).find_map(|_| {
            std::thread::sleep(crate::harness::STEP);
            watch.look()
        });
        let _ = sleeper.kill();
        let _ = sleeper.wait();
        assert!(
            blocked.is_none(),
            "expected no deadlock for `sleep 5`, got {:?}",
            blocked.map(|b| b.describe())
        );
    }
}
