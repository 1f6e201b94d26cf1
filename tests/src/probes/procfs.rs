//! The process table, read from `/proc`: who are my children, and which of
//! them are zombies. Probes use it to prove that code under test reaped
//! every child and left no process behind; the harness uses [`activity`]
//! and [`family`] to see that a probe and its children are all asleep,
//! each waiting for another (a deadlock), without waiting out a timeout.

use std::fs;

/// One process, as `/proc/PID/stat` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proc {
    pub pid: i32,
    pub ppid: i32,
    /// `R` running, `S` sleeping, `Z` zombie, …
    pub state: char,
    /// The command name (at most 15 characters).
    pub comm: String,
}

impl Proc {
    /// A zombie: exited, but its parent has not collected its status yet.
    pub fn is_zombie(&self) -> bool {
        self.state == 'Z'
    }
}

/// Reads `/proc/PID/stat`; `None` if the process is gone.
pub fn read(pid: i32) -> Option<Proc> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat)
}

/// Parses a `/proc/PID/stat` line: `pid (comm) state ppid …`. The command
/// name may itself contain spaces and parentheses, so split at the last `)`.
pub fn parse_stat(stat: &str) -> Option<Proc> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let pid = stat[..open].trim().parse().ok()?;
    let comm = stat[open + 1..close].to_string();
    let mut rest = stat[close + 1..].split_whitespace();
    let state = rest.next()?.chars().next()?;
    let ppid = rest.next()?.parse().ok()?;
    Some(Proc {
        pid,
        ppid,
        state,
        comm,
    })
}

/// Every process whose parent is `parent`, zombies included.
pub fn children_of(parent: i32) -> Vec<Proc> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut children: Vec<Proc> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read)
        .filter(|p| p.ppid == parent)
        .collect();
    children.sort_by_key(|p| p.pid);
    children
}

/// This process's children, zombies included.
pub fn my_children() -> Vec<Proc> {
    children_of(std::process::id() as i32)
}

/// What a process is doing, as far as telling a deadlock from slow progress
/// goes: its state, where in the kernel it sleeps, how often it has slept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub proc: Proc,
    /// The kernel function it sleeps in (`/proc/PID/wchan`): `do_wait` for a
    /// `waitpid`, `anon_pipe_read` for a pipe, …; `0` or empty while it runs,
    /// or where the kernel does not say.
    pub wchan: String,
    /// How many times it has gone to sleep (`voluntary_ctxt_switches`): the
    /// same number twice, with state `S` both times, means it slept all along.
    pub sleeps: u64,
}

impl Activity {
    /// Asleep (`S`) in a wait that only another process can end: for a child
    /// (`waitpid`), on a pipe or FIFO, on a Unix socket. Not a sleep with a
    /// timer (`nanosleep`), nor `poll`/`select`, which may have a timeout.
    pub fn waits_on_another_process(&self) -> bool {
        let wchan = self.wchan.as_str();
        let waits = match wchan {
            // waitpid, wait4, waitid (not `futex_do_wait`: a thread's join).
            "do_wait" | "kernel_wait4" | "kernel_waitid" => true,
            // Opening a FIFO until the other end is opened.
            "wait_for_partner" => true,
            // `pipe_read`, `anon_pipe_read`, `pipe_write`, … (the name has changed over kernels).
            _ if wchan.contains("pipe_read") || wchan.contains("pipe_write") => true,
            // `unix_stream_read_generic`, `unix_stream_data_wait`, `unix_wait_for_peer`, …
            _ if wchan.starts_with("unix_") => true,
            "sock_alloc_send_pskb" | "sk_wait_data" | "sk_stream_wait_memory" => true,
            _ => false,
        };
        self.proc.state == 'S' && waits
    }
}

/// Reads what the process `pid` is doing; `None` if it is gone.
pub fn activity(pid: i32) -> Option<Activity> {
    let proc = read(pid)?;
    let wchan = fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let sleeps = status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|n| n.trim().parse().ok())?;
    Some(Activity {
        proc,
        wchan: wchan.trim().to_string(),
        sleeps,
    })
}

/// `pid` and every process below it (children, their children, …), parents
/// before their children. Reads `/proc/PID/task/TID/children`, one small file
/// per thread, rather than every process in `/proc`; where the kernel lacks
/// those files, scans `/proc`.
pub fn family(pid: i32) -> Vec<i32> {
    let mut members = vec![pid];
    let mut at = 0;
    while at < members.len() {
        let parent = members[at];
        members.extend(direct_children(parent));
        at += 1;
    }
    members
}

/// The pids of `parent`'s children, zombies included.
fn direct_children(parent: i32) -> Vec<i32> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{parent}/task")) else {
        return Vec::new();
    };
    let mut children: Vec<i32> = Vec::new();
    for task in tasks.flatten() {
        match fs::read_to_string(task.path().join("children")) {
            Ok(list) => children.extend(
                list.split_whitespace()
                    .filter_map(|p| p.parse::<i32>().ok()),
            ),
            Err(_) => return children_of(parent).iter().map(|p| p.pid).collect(),
        }
    }
    children
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_name_with_spaces_and_parentheses() {
        let p = parse_stat("42 (a (b) c) Z 7 42 42 0 -1").unwrap();
        assert_eq!(
            p,
            Proc {
                pid: 42,
                ppid: 7,
                state: 'Z',
                comm: "a (b) c".into()
            }
        );
        assert!(p.is_zombie());
    }

    #[test]
    fn sees_a_child_then_its_zombie() {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        // `true` exits at once; until we wait for it, it is our zombie or
        // still running, and either way our child.
        assert!(my_children().iter().any(|p| p.pid == pid));
        child.wait().unwrap();
        assert!(!my_children().iter().any(|p| p.pid == pid));
    }
}
