//! "Has that thread stopped at the lock?", asked of the kernel.
//!
//! A test that forces an interleaving holds something (a bank account's
//! lock, a turn) and starts a call to the code under test that must stop
//! there. Before it goes on, it must know that the call *has* stopped there,
//! not merely that it was started: otherwise the test would only hope for the
//! interleaving. Linux tells: a thread blocked on a `Mutex`, a `Condvar`, a
//! channel or a `join` is asleep in the `futex` system call
//! (`/proc/self/task/TID/stat` and `…/syscall`). A thread that is only slow,
//! or preempted, is not asleep there.

use super::liveness::{Liveness, WaitError};
use super::{TIMEOUT, Task};
use std::fmt::Debug;
use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// A thread of this process, as the kernel numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tid(libc::pid_t);

impl Tid {
    /// The calling thread.
    pub fn current() -> Tid {
        Tid(nix::unistd::gettid().as_raw())
    }

    /// Whether the thread is asleep waiting on a futex (a lock, a condition
    /// variable, a channel, a join) at this moment. `false` for a thread
    /// that runs, is runnable, sleeps in any other call, or has exited.
    ///
    /// It allocates nothing, so a thread the test races may call it without
    /// making anyone wait for the allocator's lock.
    pub fn is_blocked(self) -> bool {
        self.blocked_at() != BlockedAt::No
    }

    /// How many times the thread has gone to sleep so far
    /// (`voluntary_ctxt_switches` of `/proc/self/task/TID/status`); `None`
    /// when it has exited. A thread seen asleep twice with the same count
    /// did not wake in between: nobody released what it waits for. (A
    /// thread woken by an unlock counts one more sleep when it sleeps again,
    /// even if another thread took the lock first.) Allocates nothing.
    pub fn sleeps(self) -> Option<u64> {
        let mut buf = [0u8; 4096];
        read_task_file(self, "status", &mut buf)?
            .lines()
            .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
            .and_then(|n| n.trim().parse().ok())
    }

    /// Where the thread is asleep: [`BlockedAt::Futex`] the address of the futex
    /// it waits on (one per `Mutex`, one per `Condvar`), when the kernel
    /// lets us read it. Allocates nothing, like [`Tid::is_blocked`].
    pub fn blocked_at(self) -> BlockedAt {
        match self.futex_wait() {
            Sleep::No => BlockedAt::No,
            Sleep::Futex { address, .. } => BlockedAt::Futex(address),
            Sleep::Unknown => BlockedAt::Somewhere,
        }
    }

    /// Whether the thread is asleep joining `other` (`JoinHandle::join`, or
    /// a scoped thread's): waiting for `other` to end. The C library's
    /// `pthread_join` waits on the word that holds `other`'s number, which
    /// the kernel clears when `other` ends, and gives the kernel that number
    /// as the value it expects there (the third field of
    /// `/proc/self/task/TID/syscall`): a futex wait expecting `other`'s
    /// number is a join of `other`. `false` when the kernel does not say.
    /// Allocates nothing.
    pub fn joins(self, other: Tid) -> bool {
        matches!(
            self.futex_wait(),
            Sleep::Futex { expected, .. } if expected == other.0 as u32 as u64
        )
    }

    /// The thread's name as the kernel keeps it (`/proc/self/task/TID/comm`,
    /// at most 15 bytes); `None` when it has exited. A thread started
    /// without a name (as `thread::scope`'s are) has the name of the thread
    /// that started it, so a caller with a name of its own tells its
    /// threads from those of the other tests.
    pub fn name(self) -> Option<String> {
        let mut buf = [0u8; 64];
        read_task_file(self, "comm", &mut buf).map(|comm| comm.trim_end_matches('\n').to_string())
    }

    /// Whether, and on what, the thread is asleep in a futex wait.
    fn futex_wait(self) -> Sleep {
        let mut buf = [0u8; 1024];
        let Some(stat) = read_task_file(self, "stat", &mut buf) else {
            return Sleep::No; // exited
        };
        // `pid (name) S …`: the name may hold spaces and parentheses, so
        // the state is the first field after the last `)`.
        let asleep = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            == Some("S");
        if !asleep {
            return Sleep::No;
        }
        // Which call it sleeps in, where the kernel lets us read it: `NR
        // arg0 arg1 arg2 …`, with the futex's address in arg0, the
        // operation in arg1 and the value it expects there in arg2.
        let mut buf = [0u8; 512];
        let Some(call) = read_task_file(self, "syscall", &mut buf) else {
            // The state alone says it sleeps, and the callers make sure
            // that nothing but a lock can make it sleep.
            return Sleep::Unknown;
        };
        let mut fields = call.split_whitespace();
        let number = fields.next().and_then(|n| n.parse::<libc::c_long>().ok());
        let mut hex = || {
            fields
                .next()
                .and_then(|f| u64::from_str_radix(f.trim_start_matches("0x"), 16).ok())
        };
        let (address, operation, expected) = (hex(), hex(), hex());
        let mask = libc::FUTEX_CMD_MASK as u64;
        let waits = matches!(
            operation.map(|op| op & mask),
            Some(op) if op == libc::FUTEX_WAIT as u64 || op == libc::FUTEX_WAIT_BITSET as u64
        );
        match (address, expected) {
            (Some(address), Some(expected)) if number == Some(libc::SYS_futex) && waits => {
                Sleep::Futex {
                    address,
                    // The futex word is 32 bits wide; the kernel shows the
                    // whole register.
                    expected: expected & u64::from(u32::MAX),
                }
            }
            _ => Sleep::No,
        }
    }
}

/// What [`Tid::futex_wait`] found.
enum Sleep {
    /// Not asleep in a futex wait (or gone).
    No,
    /// Asleep on the futex at `address`, expecting `expected` there.
    Futex { address: u64, expected: u64 },
    /// Asleep, on what the kernel does not say here.
    Unknown,
}

/// Every thread of this process at this moment (`/proc/self/task`), the
/// caller's included, in no particular order. The other tests' threads are
/// there too: tell yours by the exact futex it sleeps on
/// ([`Tid::blocked_at`]) or by the name it inherited ([`Tid::name`]).
pub fn threads() -> Vec<Tid> {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task lists this process's threads")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .map(Tid)
        .collect()
}

/// Where a thread is blocked, if it is (see [`Tid::blocked_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedAt {
    /// Running, runnable, asleep in another call, or gone.
    No,
    /// Asleep on the futex at this address.
    Futex(u64),
    /// Asleep, on what the kernel does not say here.
    Somewhere,
}

/// How many threads this process has now (`Threads:` of
/// `/proc/self/status`). Allocates nothing, like [`Tid::is_blocked`].
pub fn threads_in_process() -> usize {
    let mut buf = [0u8; 8192];
    read_into("/proc/self/status", &mut buf)
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .expect("/proc/self/status has a line `Threads: N`")
}

/// `/proc/self/task/TID/NAME`, read into `buf`.
fn read_task_file<'b>(tid: Tid, name: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    let mut path = [0u8; 64];
    let len = {
        let mut cursor = std::io::Cursor::new(&mut path[..]);
        write!(cursor, "/proc/self/task/{}/{name}", tid.0).ok()?;
        cursor.position() as usize
    };
    read_into(std::str::from_utf8(&path[..len]).ok()?, buf)
}

/// The file at `path`, read into `buf` (a short path is made a C string on
/// the stack), as text; `None` if it cannot be read.
fn read_into<'b>(path: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    std::str::from_utf8(&buf[..len]).ok()
}

/// How often [`wait_until_blocked`] looks: a blocked call is seen at once.
const LOOK: Duration = Duration::from_millis(1);

/// Starts `work` on a [`Task`] and returns it with the kernel's number of its
/// thread, for [`wait_until_blocked`]. The thread does nothing between
/// telling its number (a store to an atomic, which cannot block) and calling
/// `work`, so that once it is seen asleep, it is asleep inside `work`.
pub fn spawn_watched<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> (Task<T>, Tid) {
    let told = Arc::new(AtomicI32::new(0));
    let tell = Arc::clone(&told);
    let task = Task::spawn(name, move || {
        tell.store(Tid::current().0, Ordering::Release);
        work()
    });
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match told.load(Ordering::Acquire) {
            0 if Instant::now() < deadline => std::thread::park_timeout(LOOK),
            0 => panic!("{name}: its thread did not even start within {TIMEOUT:?}"),
            tid => return (task, Tid(tid)),
        }
    }
}

/// Waits until the thread `tid`, which runs `task`, is blocked (see
/// [`Tid::is_blocked`]). Ends early with [`WaitError::Died`] when `task`
/// finishes or panics instead, and with [`WaitError::TimedOut`] after
/// [`TIMEOUT`].
pub fn wait_until_blocked<T: Debug>(task: &Task<T>, tid: Tid) -> Result<(), WaitError> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if tid.is_blocked() {
            return Ok(());
        }
        task.check().map_err(WaitError::Died)?;
        if Instant::now() >= deadline {
            return Err(WaitError::TimedOut);
        }
        std::thread::park_timeout(LOOK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn sees_a_thread_blocked_on_a_held_lock() {
        let lock = Arc::new(Mutex::new(0));
        let held = lock.lock().unwrap();
        let waiting = Arc::clone(&lock);
        let (task, tid) = spawn_watched("locking", move || *waiting.lock().unwrap());
        let seen = wait_until_blocked(&task, tid);
        assert!(seen.is_ok(), "the thread should be seen blocked: {seen:?}");
        drop(held);
        assert_eq!(task.join(), 0, "released, the thread returns the value");
    }

    #[test]
    fn an_unlock_shows_in_the_sleeps_of_a_waiter() {
        let lock = Arc::new(Mutex::new(0));
        let held = lock.lock().unwrap();
        let waiting = Arc::clone(&lock);
        // Once it has the lock, the waiter sleeps again, on a channel: a
        // thread that woke and ended at once could leave its count as it was.
        let (go_on, told) = std::sync::mpsc::channel::<()>();
        let (task, tid) = spawn_watched("locking", move || {
            let value = *waiting.lock().unwrap();
            told.recv().unwrap();
            value
        });
        wait_until_blocked(&task, tid).expect("the thread should block on the held lock");
        // Fully asleep: two looks in a row with the same count (it goes up a
        // moment after the state says asleep).
        let deadline = Instant::now() + TIMEOUT;
        let mut before = tid.sleeps();
        loop {
            std::thread::park_timeout(Duration::from_millis(2));
            let again = tid.sleeps();
            if again == before {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the waiter's count never settled"
            );
            before = again;
        }
        let before = before.expect("a live thread has a count of sleeps");
        assert_eq!(
            tid.sleeps(),
            Some(before),
            "nobody unlocked: the waiter should not have woken (left: now, right: before)"
        );
        drop(held);
        // Woken by the unlock, it takes the lock and sleeps on the channel:
        // one sleep more, whenever the scheduler gets to it.
        while tid.sleeps().is_some_and(|now| now == before) {
            assert!(
                Instant::now() < deadline,
                "the unlock should wake the waiter: its count of sleeps stayed {before}"
            );
            std::thread::park_timeout(Duration::from_millis(2));
        }
        go_on.send(()).unwrap();
        assert_eq!(task.join(), 0, "released, the thread returns the value");
    }

    #[test]
    fn lists_the_threads_with_their_names() {
        let (go_on, told) = std::sync::mpsc::channel::<()>();
        let (tell, child) = std::sync::mpsc::channel::<Tid>();
        // A named thread starts an unnamed one, which inherits its name.
        let (task, tid) = spawn_watched("named by test", move || {
            let grandchild = std::thread::spawn(move || {
                tell.send(Tid::current()).unwrap();
                told.recv().unwrap();
            });
            grandchild.join().is_ok()
        });
        let unnamed = child
            .recv_timeout(TIMEOUT)
            .expect("the unnamed thread tells its number");
        let all = threads();
        assert!(
            all.contains(&Tid::current()) && all.contains(&tid) && all.contains(&unnamed),
            "the list should hold this thread, the named one and the unnamed one: {all:?}"
        );
        assert_eq!(
            (tid.name().as_deref(), unnamed.name().as_deref()),
            (Some("named by test"), Some("named by test")),
            "the named thread's name, inherited by the thread it started (left: seen)"
        );
        go_on.send(()).unwrap();
        assert!(task.join(), "the unnamed thread should end normally");
    }

    #[test]
    fn sees_a_join_of_that_thread() {
        let (go_on, told) = std::sync::mpsc::channel::<()>();
        let (tell, number) = std::sync::mpsc::channel::<Tid>();
        let joined = std::thread::spawn(move || {
            tell.send(Tid::current()).unwrap();
            told.recv().unwrap();
        });
        let joined_tid = number
            .recv_timeout(TIMEOUT)
            .expect("the thread tells its number");
        let (task, joining) = spawn_watched("joining", move || joined.join().is_ok());
        let deadline = Instant::now() + TIMEOUT;
        while !joining.joins(joined_tid) {
            task.check().expect("the joining thread waits");
            assert!(
                Instant::now() < deadline,
                "the joining thread should be seen joining {joined_tid:?}: it is at {:?}",
                joining.blocked_at()
            );
            std::thread::park_timeout(LOOK);
        }
        assert!(
            !joining.joins(Tid::current()) && !joined_tid.joins(joining),
            "a join of one thread is not a join of another"
        );
        go_on.send(()).unwrap();
        assert!(task.join(), "the joined thread should end normally");
        assert!(
            !joining.joins(joined_tid),
            "a thread that has ended joins nothing"
        );
    }

    #[test]
    fn a_running_thread_is_not_blocked() {
        assert!(!Tid::current().is_blocked(), "this thread is running");
    }

    #[test]
    fn a_call_that_returns_ends_the_wait() {
        let (task, tid) = spawn_watched("returning", || 7);
        let why = wait_until_blocked(&task, tid).unwrap_err();
        assert!(
            why.to_string().contains("already returned 7"),
            "the wait should say the call returned: {why}"
        );
    }
}
