//! CPU time, from `/proc`: how a test sees a busy loop.
//!
//! A server with nothing to do should be asleep in the kernel (in `accept`,
//! `read`, `epoll_wait`…), using no CPU. One that polls its sockets in a loop
//! without ever waiting burns a core while it waits for nothing. The kernel
//! counts, for every thread, the nanoseconds it has spent on a CPU (the first
//! field of `/proc/PID/task/TID/schedstat`); the test reads that count twice,
//! an idle interval apart.

use std::fs;
use std::time::Duration;

/// The CPU time used so far by every thread of every process of the process
/// group `pgid` (a [`Program`](super::Program) runs in a group of its own,
/// whose id is its pid, with the children it forks). Threads that have ended
/// no longer count.
pub fn group_cpu_time(pgid: u32) -> Duration {
    super::program::group_members(pgid)
        .into_iter()
        .map(|(pid, _)| process_cpu_time(pid))
        .sum()
}

/// The CPU time of every thread of `pid`.
fn process_cpu_time(pid: u32) -> Duration {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return Duration::ZERO;
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let text = fs::read_to_string(task.path().join("schedstat")).ok()?;
            let nanos = text.split_whitespace().next()?.parse::<u64>().ok()?;
            Some(Duration::from_nanos(nanos))
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spinning_thread_of_this_group_shows_up() {
        let me = std::process::id();
        // SAFETY: getpgrp takes no arguments and cannot fail.
        let group = unsafe { libc::getpgrp() } as u32;
        let before = group_cpu_time(group);
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while start.elapsed() < Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = group_cpu_time(group);
        assert!(
            after >= before + Duration::from_millis(10),
            "30 ms of spinning in process {me} (group {group}) counted as {:?}",
            after.saturating_sub(before)
        );
    }
}
