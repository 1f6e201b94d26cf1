//! Catching processes the suite leaves behind.
//!
//! xtask makes itself a *child subreaper* (Linux `prctl`): when a process
//! started during the suite (a runner program, a child it forked) outlives
//! its parent, the kernel re-parents it to xtask instead of to init. After a
//! run, any child of xtask that cargo's own commands do not account for was
//! left behind: a stray process, or a zombie nobody reaped.

use std::fs;

/// Makes this process the subreaper of its descendants. Harmless to call twice.
pub fn become_subreaper() {
    // SAFETY: PR_SET_CHILD_SUBREAPER takes one integer argument and touches
    // no memory of ours.
    let _ = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
}

/// A process left behind.
#[derive(Debug)]
pub struct Stray {
    pub pid: i32,
    pub state: char,
    pub command: String,
}

impl std::fmt::Display for Stray {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.state == 'Z' {
            "zombie"
        } else {
            "still running"
        };
        write!(f, "pid {} `{}` ({what})", self.pid, self.command)
    }
}

/// This process's children right now (call it when no command of ours runs).
pub fn find() -> Vec<Stray> {
    let me = std::process::id() as i32;
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let close = stat.rfind(')')?;
            let mut rest = stat[close + 1..].split_whitespace();
            let state = rest.next()?.chars().next()?;
            let ppid: i32 = rest.next()?.parse().ok()?;
            (ppid == me).then(|| {
                let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let command = String::from_utf8_lossy(&cmdline).replace('\0', " ");
                let command = command.trim().to_string();
                let command = if command.is_empty() {
                    stat[stat.find('(').map_or(0, |i| i + 1)..close].to_string()
                } else {
                    command
                };
                Stray {
                    pid,
                    state,
                    command,
                }
            })
        })
        .collect()
}

/// Kills and reaps the strays, so that one bad run does not poison the next.
pub fn clean_up(strays: &[Stray]) {
    for stray in strays {
        // SAFETY: plain system calls on a pid that is our own child.
        unsafe {
            libc::kill(stray.pid, libc::SIGKILL);
            libc::waitpid(stray.pid, std::ptr::null_mut(), 0);
        }
    }
}

/// Kills and reaps every child of ours, and what they leave orphaned in turn:
/// after a run that was stopped on purpose (a mutant's, at its first
/// failure), whatever it had started is re-parented to us. A program runs in
/// its own process group, so the group is killed with it.
pub fn sweep() {
    // Each pass may orphan the next generation; a few passes reach the end.
    for _ in 0..8 {
        let strays = find();
        if strays.is_empty() {
            return;
        }
        for stray in &strays {
            // SAFETY: plain system calls; `-pid` names the group this child
            // leads, if it leads one (else the call fails and does nothing).
            unsafe {
                libc::kill(-stray.pid, libc::SIGKILL);
            }
        }
        clean_up(&strays);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_an_orphaned_grandchild() {
        become_subreaper();
        // The shell starts a long `sleep` in the background, prints its pid
        // and exits at once: the sleep is orphaned, and re-parented to us.
        // (Its pid, not its command line, names it: until it has exec'd,
        // the forked child still shows the shell's command line.)
        let output = std::process::Command::new("sh")
            .args(["-c", "sleep 30 >/dev/null 2>&1 & echo $!"])
            .output()
            .unwrap();
        let pid: i32 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap();
        let strays: Vec<Stray> = find().into_iter().filter(|s| s.pid == pid).collect();
        assert_eq!(
            strays.len(),
            1,
            "the orphaned sleep should be our child now"
        );
        clean_up(&strays);
        assert!(find().iter().all(|s| s.pid != pid));
    }
}
