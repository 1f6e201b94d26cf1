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
    fn a_spinning_process_of_a_group_shows_up() {
        use std::os::unix::process::CommandExt;
        // A spinning shell in a group of its own: its CPU time is all that
        // group's, and grows only as it spins. (The test process's own
        // group would do worse: its threads that end, the other tests',
        // take their time out of the sum.)
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .process_group(0)
            .spawn()
            .expect("starting sh");
        let group = child.id();
        let mut seen = Duration::ZERO;
        // On a loaded machine the spinner gets its CPU later: wait for it,
        // bounded (the harness's TIMEOUT).
        let counted = super::super::wait_for(&(), || {
            seen = group_cpu_time(group);
            Ok((seen >= Duration::from_millis(30)).then_some(()))
        });
        drop(child.kill());
        drop(child.wait());
        assert!(
            counted.is_ok(),
            "a shell spinning in group {group} counted as {seen:?} of CPU, not 30 ms"
        );
    }
}
