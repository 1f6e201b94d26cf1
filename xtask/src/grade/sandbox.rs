//! Running one test of a submission, isolated: its own process and process
//! group, resource limits, a wall-clock limit, writes confined to its own
//! temporary folder, and nothing it started left alive afterwards.
//!
//! How each limit is enforced:
//!
//! - **Wall clock**: the grader waits for the test process for at most the
//!   limit, then kills its process group (`SIGKILL`).
//! - **CPU time, address space, file size, open files, core size**:
//!   `setrlimit` in the child before `exec`, inherited by all it starts.
//! - **Number of processes** (a fork bomb): `RLIMIT_NPROC`, which counts the
//!   processes and threads of the child's *real user*, and which the kernel
//!   ignores for root. So when the grader runs as root (CI, a grader's
//!   container) the child switches to an unprivileged user of its own
//!   ([`GRADE_UID`], or `NETKIT_GRADE_UID`) before `exec`: the limit then
//!   holds, and since no other process runs as that user, the count is the
//!   test's alone. The grader checks that before the first test and fails
//!   with the reason if the user cannot be switched to or is in use. When
//!   the grader is not root, the child stays the grader's user, and the
//!   limit is the user's processes already running plus the budget.
//! - **Reads and writes**: Landlock ([`super::landlock`]) lets the test
//!   read only the system's folders and the grader's copy of the kit (its
//!   binaries, `data/`), never the teacher's tree, which holds the
//!   reference: a submission cannot print it into its own report. Writes
//!   go only to the test's private `TMPDIR` (also its `HOME`) and
//!   `/dev/null`. Where the kernel has no Landlock,
//!   the unprivileged user (as root) still cannot write into the kit's
//!   folders, which root owns; the report says which protection held.
//! - **Survivors**: after every test, passed or not, the grader kills the
//!   test's process group; as root, it then kills every process of the
//!   test's user (`kill(-1)` from a child that became that user), which
//!   reaches processes that left the group or the session; and the grader,
//!   a child subreaper ([`crate::strays`]), kills and reaps whatever was
//!   re-parented to it.
//! - **Output**: each stream is read to its end, but only its first
//!   [`Limits::output`] bytes are kept.
//! - **The grader interrupted** (`SIGINT`, `SIGTERM`, `SIGHUP`): its
//!   handler kills the running test's group and, as root, every process
//!   of the tests' user, then lets the signal end the grader; the test
//!   process also has `PR_SET_PDEATHSIG` = `SIGKILL`, for a grader killed
//!   outright. The report on disk is the last one written whole.

use super::landlock;
use crate::strays;
use anyhow::{Context, Result, bail};
use std::ffi::CString;
use std::fs;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The unprivileged user (and group) tests run as when the grader is root:
/// `nobody` on most systems. `NETKIT_GRADE_UID` chooses another.
pub const GRADE_UID: u32 = 65534;

/// The process group of the test running now (0: none), and the tests'
/// unprivileged user (0: none), for the handler of an interrupt.
static RUNNING_GROUP: AtomicI32 = AtomicI32::new(0);
static TESTS_USER: AtomicU32 = AtomicU32::new(0);

/// On `SIGINT`, `SIGTERM` or `SIGHUP`: kills what the grader runs, then
/// ends the grader by the same signal. Only async-signal-safe calls.
extern "C" fn on_interrupt(signal: libc::c_int) {
    let group = RUNNING_GROUP.load(Ordering::SeqCst);
    let uid = TESTS_USER.load(Ordering::SeqCst);
    // SAFETY: kill, fork, setgid, setuid, waitpid, _exit, signal and raise
    // are async-signal-safe.
    unsafe {
        if group > 0 {
            libc::kill(-group, libc::SIGKILL);
        }
        if uid != 0 {
            let killer = libc::fork();
            if killer == 0 {
                if libc::setgid(uid) == 0 && libc::setuid(uid) == 0 {
                    libc::kill(-1, libc::SIGKILL);
                }
                libc::_exit(0);
            }
            if killer > 0 {
                libc::waitpid(killer, std::ptr::null_mut(), 0);
            }
        }
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn handle_interrupts() {
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler makes only async-signal-safe calls.
        unsafe {
            libc::signal(
                signal,
                on_interrupt as extern "C" fn(libc::c_int) as *const () as libc::sighandler_t,
            );
        }
    }
}

/// How long the grader waits for a process it has killed to be reaped, and
/// for the test's output pipes to close once nothing holds them.
const AFTER_KILL: Duration = Duration::from_secs(5);

/// The resource limits of one test process.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall-clock time, from start to the kill.
    pub wall: Duration,
    /// `RLIMIT_AS`, bytes: generous for a test binary's threads (each
    /// reserves a stack, and glibc an arena), small enough to stop a
    /// program that allocates without end.
    pub address_space: u64,
    /// `RLIMIT_FSIZE`, bytes: the uploads of chapter 1 write 50 MiB.
    pub file_size: u64,
    /// `RLIMIT_NOFILE`: chapter 3 holds over 1 025 descriptors, and
    /// chapter 5's C10K test 10 000 (the server's are another process's).
    pub open_files: u64,
    /// `RLIMIT_NPROC`: processes and threads of the test's user.
    pub processes: u64,
    /// Bytes kept of each of stdout and stderr.
    pub output: usize,
}

/// What a test may open: enough for chapter 5's ten thousand connections
/// and their margin, but never past this process's hard limit, which an
/// unprivileged `setrlimit` cannot raise (the test then says the limit is
/// too low, rather than the sandbox failing to start it).
fn open_files() -> u64 {
    const WANTED: u64 = 12_288;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the struct it is given, nothing else.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return 4096;
    }
    WANTED.min(limit.rlim_max)
}

impl Limits {
    /// The limits for a test whose wall-clock limit is `wall`.
    pub fn with_wall(wall: Duration) -> Limits {
        Limits {
            wall,
            address_space: 8 << 30,
            file_size: 256 << 20,
            open_files: open_files(),
            processes: 512,
            output: 64 << 10,
        }
    }

    /// `RLIMIT_CPU`, seconds: a second past the wall-clock limit, so that
    /// a loop on one thread is reported as timed out, and one that spins on
    /// several threads is stopped (`SIGXCPU`) before the wall clock runs out.
    fn cpu_seconds(&self) -> u64 {
        self.wall.as_secs() + 1
    }
}

/// Who the test processes run as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// The grader is root: the tests run as this unprivileged user.
    Unprivileged { uid: u32 },
    /// The grader is not root: the tests run as the grader's user.
    Own { uid: u32 },
}

/// How one test process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code.
    Exited(i32),
    /// A signal it did not get from the grader ended it.
    Signalled(i32),
    /// The wall-clock limit passed; the grader killed it.
    TimedOut,
}

/// What one test process did.
#[derive(Debug)]
pub struct Ran {
    pub ended: Ended,
    pub stdout: String,
    pub stderr: String,
    /// Whether either stream was cut at [`Limits::output`].
    pub truncated: bool,
    pub elapsed: Duration,
}

/// Runs test processes, one at a time, each isolated as the module says.
#[derive(Debug)]
pub struct Sandbox {
    identity: Identity,
    /// As root: held while the grader lives, so that a second grader
    /// waits instead of killing this one's tests ([`hold_the_user`]).
    _user_lock: Option<fs::File>,
    landlock: Option<u32>,
    /// The parent of the tests' temporary folders.
    tmp: PathBuf,
    /// Beside the system's folders, what a test may read (the copy).
    readable: Vec<PathBuf>,
    runs: u64,
}

impl Sandbox {
    /// Decides who the tests run as, and checks that it works: as root,
    /// that the unprivileged user can be switched to and runs nothing yet.
    /// Call [`Sandbox::use_tmp`] before the first [`Sandbox::run`].
    pub fn new() -> Result<Sandbox> {
        // SAFETY: getuid has no preconditions.
        let me = unsafe { libc::getuid() };
        let identity = if me == 0 {
            let uid = match std::env::var("NETKIT_GRADE_UID") {
                Ok(text) => text.trim().parse::<u32>().with_context(|| {
                    format!("NETKIT_GRADE_UID is `{text}`, not a user id (a number)")
                })?,
                Err(_) => GRADE_UID,
            };
            if uid == 0 {
                bail!(
                    "NETKIT_GRADE_UID is 0: the tests must not run as root (RLIMIT_NPROC does not hold for root)"
                );
            }
            let lock = hold_the_user(uid)?;
            let running = processes_of(uid);
            if !running.is_empty() {
                bail!(
                    "the grader runs as root, so it runs the tests as the unprivileged user {uid}, \
                     to limit their number of processes; but that user has processes running \
                     already (pids {running:?}), which would count against the limit and be \
                     killed after each test. Choose a user id nothing runs as: \
                     NETKIT_GRADE_UID=N cargo xtask grade …"
                );
            }
            check_can_switch(uid)?;
            // What the grader writes (the copy, the tests' folders) must be
            // readable by that user, whatever umask the grader came with.
            // SAFETY: umask has no preconditions.
            unsafe {
                libc::umask(0o022);
            }
            (Identity::Unprivileged { uid }, Some(lock))
        } else {
            (Identity::Own { uid: me }, None)
        };
        let (identity, user_lock) = identity;
        if let Identity::Unprivileged { uid } = identity {
            TESTS_USER.store(uid, Ordering::SeqCst);
        }
        handle_interrupts();
        Ok(Sandbox {
            identity,
            _user_lock: user_lock,
            landlock: landlock::abi(),
            tmp: PathBuf::new(),
            readable: Vec::new(),
            runs: 0,
        })
    }

    /// Makes (and empties) `tmp`, the parent of the tests' temporary
    /// folders; the tests' user must be able to reach it
    /// ([`Sandbox::can_reach`]).
    pub fn use_tmp(&mut self, tmp: &Path) -> Result<()> {
        if tmp.exists() {
            fs::remove_dir_all(tmp).with_context(|| format!("emptying {}", tmp.display()))?;
        }
        fs::create_dir_all(tmp).with_context(|| format!("creating {}", tmp.display()))?;
        // The tests' user must reach its own folder inside it.
        fs::set_permissions(tmp, fs::Permissions::from_mode(0o755))?;
        self.tmp = tmp.to_path_buf();
        Ok(())
    }

    /// Lets the tests read beneath `dir` (the grader's copy of the kit,
    /// where their binaries are): with Landlock, nothing else but the
    /// system's folders and their own temporary folder.
    pub fn allow_read(&mut self, dir: &Path) {
        self.readable.push(dir.to_path_buf());
    }

    /// Whether the tests' user can enter and read `dir`: as root, the
    /// unprivileged user cannot when a folder above it is closed to others
    /// (a kit under /root, mode 700).
    pub fn can_reach(&self, dir: &Path) -> bool {
        match self.identity {
            Identity::Own { .. } => true,
            Identity::Unprivileged { uid } => {
                let mut command = Command::new("/bin/sh");
                command
                    .args(["-c", "test -x \"$1\" && test -r \"$1\"", "sh"])
                    .arg(dir);
                as_user(&mut command, uid).is_ok_and(|status| status.success())
            }
        }
    }

    /// One line for the report: how the tests were isolated.
    pub fn describe(&self) -> String {
        let who = match self.identity {
            Identity::Unprivileged { uid } => format!(
                "as the unprivileged user {uid} (the grader is root, which RLIMIT_NPROC does not limit)"
            ),
            Identity::Own { uid } => format!("as the grader's own user {uid}"),
        };
        let writes = match self.landlock {
            Some(abi) => format!(
                "reads confined to the system and the grader's copy, writes to a private TMPDIR, \
                 by Landlock (ABI {abi})"
            ),
            None => match self.identity {
                Identity::Unprivileged { .. } => "no Landlock on this kernel: writes limited by \
                    the unprivileged user's permissions, with a private TMPDIR"
                    .to_string(),
                Identity::Own { .. } => "no Landlock on this kernel and the grader is not root: \
                    writes outside the private TMPDIR are NOT prevented"
                    .to_string(),
            },
        };
        format!("each test in its own process group, {who}, {writes}")
    }

    /// Runs `program ARGS` in `cwd` under the limits, and cleans up after
    /// it: when this returns, no process it started is alive. An `Err` is
    /// the grader's own failure (the process could not be started), never
    /// the test's.
    pub fn run(
        &mut self,
        program: &Path,
        args: &[&str],
        cwd: &Path,
        limits: &Limits,
    ) -> Result<Ran> {
        self.runs += 1;
        let tmp = self.tmp.join(format!("test-{}", self.runs));
        fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o700))?;
        let uid = match self.identity {
            Identity::Unprivileged { uid } => {
                let path = CString::new(tmp.as_os_str().as_bytes())?;
                // SAFETY: a valid C string; the ids are plain integers.
                if unsafe { libc::chown(path.as_ptr(), uid, uid) } != 0 {
                    bail!(
                        "could not give {} to user {uid}: {}",
                        tmp.display(),
                        std::io::Error::last_os_error()
                    );
                }
                Some(uid)
            }
            Identity::Own { .. } => None,
        };
        let nproc = match self.identity {
            Identity::Unprivileged { .. } => limits.processes,
            // Not root: the count is the user's, so leave room for what runs.
            Identity::Own { uid } => processes_of(uid).len() as u64 + limits.processes,
        };
        let ruleset = match self.landlock {
            Some(abi) => Some(self.ruleset(abi, &tmp)?),
            None => None,
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(cwd)
            .env_clear()
            .env(
                "PATH",
                std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
            )
            .env("TMPDIR", &tmp)
            .env("HOME", &tmp)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let rlimits = [
            (
                libc::RLIMIT_CPU,
                limits.cpu_seconds(),
                limits.cpu_seconds() + 1,
            ),
            (libc::RLIMIT_AS, limits.address_space, limits.address_space),
            (libc::RLIMIT_FSIZE, limits.file_size, limits.file_size),
            (libc::RLIMIT_NOFILE, limits.open_files, limits.open_files),
            (libc::RLIMIT_NPROC, nproc, nproc),
            (libc::RLIMIT_CORE, 0, 0),
        ];
        // SAFETY: the closure runs between fork and exec and makes only
        // system calls (no allocation, no lock): setpgid, setrlimit,
        // setgroups/setgid/setuid, prctl, and Landlock's.
        unsafe {
            command.pre_exec(move || {
                if libc::setpgid(0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                for (resource, soft, hard) in rlimits {
                    let limit = libc::rlimit {
                        rlim_cur: soft,
                        rlim_max: hard,
                    };
                    if libc::setrlimit(resource, &limit) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                }
                if let Some(uid) = uid
                    && (libc::setgroups(0, std::ptr::null()) != 0
                        || libc::setgid(uid) != 0
                        || libc::setuid(uid) != 0)
                {
                    return Err(std::io::Error::last_os_error());
                }
                // If the grader dies (Ctrl-C), the kernel kills the test:
                // after setuid, which clears the setting.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if let Some(ruleset) = &ruleset {
                    ruleset.restrict_self()?;
                }
                Ok(())
            });
        }
        let started = Instant::now();
        let spawned = command.spawn();
        // The ruleset's descriptors, held by the closure, close with it.
        drop(command);
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                self.clean_up(None);
                let _ = fs::remove_dir_all(&tmp);
                bail!("could not start {} in its sandbox: {e}", program.display());
            }
        };
        let pid = child.id() as i32;
        RUNNING_GROUP.store(pid, Ordering::SeqCst);
        let stdout = read_capped(child.stdout.take(), limits.output);
        let stderr = read_capped(child.stderr.take(), limits.output);
        let (timed_out, waited) = wait_bounded(child, limits.wall, pid);
        let elapsed = started.elapsed();
        self.clean_up(Some(pid));
        RUNNING_GROUP.store(0, Ordering::SeqCst);
        let waited = waited.context("waiting for the test process")?;
        let ended = match (timed_out, waited.code(), waited.signal()) {
            (true, _, _) => Ended::TimedOut,
            (false, Some(code), _) => Ended::Exited(code),
            (false, None, Some(signal)) => Ended::Signalled(signal),
            (false, None, None) => Ended::Exited(-1),
        };
        // Everything that held the pipes is dead now: the readers end.
        let (stdout, cut_out) = stdout.recv_timeout(AFTER_KILL).unwrap_or_else(|_| {
            (
                "(its stdout stayed open after every process was killed)".into(),
                true,
            )
        });
        let (stderr, cut_err) = stderr.recv_timeout(AFTER_KILL).unwrap_or_else(|_| {
            (
                "(its stderr stayed open after every process was killed)".into(),
                true,
            )
        });
        let _ = fs::remove_dir_all(&tmp);
        Ok(Ran {
            ended,
            stdout,
            stderr,
            truncated: cut_out || cut_err,
            elapsed,
        })
    }

    /// What a test may read and write: see the module's comment.
    fn ruleset(&self, abi: u32, tmp: &Path) -> Result<landlock::Ruleset> {
        let mut ruleset = landlock::Ruleset::new(abi, true);
        for dir in landlock::SYSTEM
            .iter()
            .map(Path::new)
            .chain(self.readable.iter().map(PathBuf::as_path))
        {
            ruleset.allow_read(dir)?;
        }
        ruleset.allow_all(tmp)?;
        ruleset.allow_all(Path::new("/dev/null"))?;
        Ok(ruleset)
    }

    /// Kills the test's group, every process of the tests' user (as root),
    /// and reaps what was re-parented to the grader.
    fn clean_up(&self, group: Option<i32>) {
        if let Some(pid) = group {
            // SAFETY: a plain system call; the group is the test's own.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        if let Identity::Unprivileged { uid } = self.identity {
            kill_all_of(uid);
        }
        strays::sweep();
    }
}

/// Waits for `child` for at most `limit`; past it, kills its group and
/// waits (at most [`AFTER_KILL`]) for it to be reaped. Says whether the
/// limit passed, and how the child ended.
fn wait_bounded(
    mut child: Child,
    limit: Duration,
    pid: i32,
) -> (bool, Result<std::process::ExitStatus>) {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait());
    });
    match receive.recv_timeout(limit) {
        Ok(status) => (false, status.map_err(Into::into)),
        Err(_) => {
            // SAFETY: a plain system call; the group is the test's own.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            let status = receive
                .recv_timeout(AFTER_KILL)
                .map_err(|_| {
                    anyhow::anyhow!("pid {pid} was killed but not reaped within {AFTER_KILL:?}")
                })
                .and_then(|s| s.map_err(Into::into));
            (true, status)
        }
    }
}

/// Reads a stream to its end on a thread, keeping its first `cap` bytes;
/// the text (lossy UTF-8) and whether it was cut come on the channel.
fn read_capped<R: Read + Send + 'static>(
    stream: Option<R>,
    cap: usize,
) -> mpsc::Receiver<(String, bool)> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        if let Some(mut stream) = stream {
            let mut buf = [0u8; 8192];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = cap.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                        cut |= n > room;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        }
        let _ = send.send((String::from_utf8_lossy(&kept).into_owned(), cut));
    });
    receive
}

/// The pids of the processes whose real user is `uid`.
pub fn processes_of(uid: u32) -> Vec<i32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            fs::read_to_string(format!("/proc/{pid}/status")).is_ok_and(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|ids| ids.split_whitespace().next()?.parse::<u32>().ok())
                    == Some(uid)
            })
        })
        .collect()
}

/// Kills every process of `uid`: a child of ours becomes that user and
/// calls `kill(-1, SIGKILL)`, which reaches every process it may signal
/// (all of that user's, wherever they are, but itself). Repeated until
/// none is left, at most a few rounds (a process forking meanwhile).
fn kill_all_of(uid: u32) {
    for _ in 0..20 {
        if processes_of(uid).is_empty() {
            return;
        }
        // SAFETY: the child makes only async-signal-safe system calls and
        // ends with _exit; the parent waits for it.
        unsafe {
            let killer = libc::fork();
            if killer == 0 {
                if libc::setgid(uid) == 0 && libc::setuid(uid) == 0 {
                    libc::kill(-1, libc::SIGKILL);
                }
                libc::_exit(0);
            }
            if killer > 0 {
                libc::waitpid(killer, std::ptr::null_mut(), 0);
            }
        }
        strays::sweep();
    }
}

/// How long a grader waits for another that runs tests as the same user.
const USER_WAIT: Duration = Duration::from_secs(3 * 60 * 60);

/// Takes the lock `/tmp/netkit-grade-uid-UID.lock` (an `flock`), waiting
/// for it, at most [`USER_WAIT`], while another grader holds it. Two
/// graders running tests as one user at once would each kill the other's
/// test processes after every test (`kill(-1)` as that user), and each
/// one's fork bomb would eat the other's process limit.
fn hold_the_user(uid: u32) -> Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = PathBuf::from(format!("/tmp/netkit-grade-uid-{uid}.lock"));
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
        .with_context(|| format!("opening the grader's lock {}", path.display()))?;
    let started = Instant::now();
    let mut said = false;
    loop {
        // SAFETY: flock on a descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(file);
        }
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EWOULDBLOCK) {
            bail!("locking {}: {error}", path.display());
        }
        if started.elapsed() > USER_WAIT {
            bail!(
                "another grader has run tests as user {uid} for over {USER_WAIT:?} ({} is \
                 locked); set NETKIT_GRADE_UID to another unused user id to grade beside it",
                path.display()
            );
        }
        if !said {
            eprintln!(
                "(another grader runs its tests as user {uid}: waiting for it to finish; \
                 NETKIT_GRADE_UID=N picks another unused user id)"
            );
            said = true;
        }
        // Polled: flock has no timeout, and the wait is bounded.
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs `command` as `uid` (and its group), with no supplementary groups.
fn as_user(command: &mut Command, uid: u32) -> std::io::Result<std::process::ExitStatus> {
    command.stdin(Stdio::null());
    // SAFETY: only system calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(uid) != 0
                || libc::setuid(uid) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.status()
}

/// Proves, before any test, that a child can become `uid`.
fn check_can_switch(uid: u32) -> Result<()> {
    let mut command = Command::new("/bin/sh");
    command.args(["-c", "exit 0"]);
    match as_user(&mut command, uid) {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!("a test process as user {uid} could not run /bin/sh ({status})"),
        Err(e) => bail!(
            "the grader runs as root, so it runs each test as the unprivileged user {uid} \
             (root ignores RLIMIT_NPROC, and a fork bomb would not be stopped), but switching \
             to that user failed: {e}. Likely cause: a container without CAP_SETUID/CAP_SETGID, \
             or a user namespace with no mapping for {uid}; run the grader as an ordinary user, \
             or set NETKIT_GRADE_UID to a mapped id"
        ),
    }
}
