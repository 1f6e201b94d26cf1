//! What a server costs while it holds its clients: memory, threads and
//! processes of its process group, from `/proc`.

use std::fs;

/// A process group's cost at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Footprint {
    /// The group's proportional set size (`Pss` of `/proc/PID/smaps_rollup`,
    /// summed), in bytes: resident memory, with each page shared by N
    /// processes counted 1/N in each. Unlike summing RSS, this does not
    /// count a fork server's copy-on-write pages once per child.
    pub pss: u64,
    /// Threads of every live process of the group.
    pub threads: usize,
    /// Live processes of the group (zombies not counted).
    pub processes: usize,
}

/// The footprint of the process group `pgid` now.
pub fn of_group(pgid: u32) -> Footprint {
    let mut total = Footprint::default();
    for (pid, _) in crate::harness::program::group_members(pgid) {
        let Ok(status) = fs::read_to_string(format!("/proc/{pid}/status")) else {
            continue; // gone since the list was read
        };
        if field(&status, "State:").is_some_and(|s| s.starts_with('Z')) {
            continue;
        }
        total.processes += 1;
        total.threads += field(&status, "Threads:")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        total.pss += fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
            .ok()
            .and_then(|rollup| kib(field(&rollup, "Pss:")?))
            .unwrap_or(0);
    }
    total
}

/// The value of the first line of `text` that starts with `name`, trimmed.
fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .map(str::trim)
}

/// `N kB` as bytes.
fn kib(value: &str) -> Option<u64> {
    let n = value.strip_suffix("kB")?.trim().parse::<u64>().ok()?;
    Some(n * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_memory_a_thread_and_itself_counted() {
        // The unit-test process is not in a group of its own, but its group
        // (the one cargo started it in) holds at least this process.
        let pgid = nix::unistd::getpgrp().as_raw() as u32;
        let group = of_group(pgid);
        assert!(
            group.processes >= 1 && group.threads >= 1 && group.pss > 0,
            "expected this process counted in its own group {pgid}, got {group:?}"
        );
    }
}
