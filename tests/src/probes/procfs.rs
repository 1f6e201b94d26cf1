//! The process table, read from `/proc`: who are my children, and which of
//! them are zombies. Probes use it to prove that code under test reaped
//! every child and left no process behind.

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
