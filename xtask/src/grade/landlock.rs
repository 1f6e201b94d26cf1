//! Landlock (Linux ≥ 5.13), by its three system calls: what a submission's
//! code may read and write, at compile time and when its tests run.
//!
//! Landlock needs no privilege and works inside containers, as root or not.
//! A [`Ruleset`] names the accesses it handles and, for each, the folders
//! (or files) beneath which they stay allowed; everything else fails with
//! `EACCES`. The grader uses two:
//!
//! - the **build** ([`super::compile`]) handles reading and executing:
//!   `include_str!("../../../../solutions/…")` or `#[path]` climbing out of
//!   the grader's copy cannot reach the teacher's tree, only the system,
//!   the toolchain, cargo's home and the copy itself;
//! - a **test** ([`super::sandbox`]) handles those and writing: it reads
//!   the system and the copy (its binary, the runner, `data/`) and writes
//!   only beneath its own temporary folder and to `/dev/null`.
//!
//! Sockets are not files: TCP and UDP on loopback still work. Landlock
//! judges the file reached, not the path: `/proc/PID/cwd/…` into the
//! teacher's tree is refused like the path itself.

use std::fs;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const SYS_LANDLOCK_CREATE_RULESET: libc::c_long = 444;
const SYS_LANDLOCK_ADD_RULE: libc::c_long = 445;
const SYS_LANDLOCK_RESTRICT_SELF: libc::c_long = 446;
const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
const LANDLOCK_RULE_PATH_BENEATH: libc::c_int = 1;

const EXECUTE: u64 = 1 << 0;
const READ_FILE: u64 = 1 << 2;
const READ_DIR: u64 = 1 << 3;

const WRITE_FILE: u64 = 1 << 1;
const REMOVE_DIR: u64 = 1 << 4;
const REMOVE_FILE: u64 = 1 << 5;
const MAKE_CHAR: u64 = 1 << 6;
const MAKE_DIR: u64 = 1 << 7;
const MAKE_REG: u64 = 1 << 8;
const MAKE_SOCK: u64 = 1 << 9;
const MAKE_FIFO: u64 = 1 << 10;
const MAKE_BLOCK: u64 = 1 << 11;
const MAKE_SYM: u64 = 1 << 12;
/// ABI 2: linking or renaming a file into another folder.
const REFER: u64 = 1 << 13;
/// ABI 3: `truncate`, `O_TRUNC`.
const TRUNCATE: u64 = 1 << 14;

#[repr(C)]
struct RulesetAttr {
    handled_access_fs: u64,
}

#[repr(C, packed)]
struct PathBeneathAttr {
    allowed_access: u64,
    parent_fd: i32,
}

/// The Landlock ABI this kernel offers, or `None` where it has none (an
/// old kernel, or Landlock not enabled at boot).
pub fn abi() -> Option<u32> {
    // SAFETY: with a null attribute, size 0 and the VERSION flag the call
    // only returns the ABI version; it reads and writes no memory.
    let version = unsafe {
        libc::syscall(
            SYS_LANDLOCK_CREATE_RULESET,
            std::ptr::null::<RulesetAttr>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    (version > 0).then_some(version as u32)
}

/// Every write access the kernel's ABI `abi` knows.
fn writes(abi: u32) -> u64 {
    let mut access = WRITE_FILE
        | REMOVE_DIR
        | REMOVE_FILE
        | MAKE_CHAR
        | MAKE_DIR
        | MAKE_REG
        | MAKE_SOCK
        | MAKE_FIFO
        | MAKE_BLOCK
        | MAKE_SYM;
    if abi >= 2 {
        access |= REFER;
    }
    if abi >= 3 {
        access |= TRUNCATE;
    }
    access
}

/// Reading files and folders, and executing files: ABI 1 knows them all.
const READS: u64 = EXECUTE | READ_FILE | READ_DIR;
/// The accesses that a rule on a file (not a folder) may allow.
const FILE_ACCESS: u64 = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE;

/// The system's folders a compiler or a test reads: programs, libraries,
/// configuration, and the kernel's `/proc`, `/sys` and `/dev`. Those that
/// do not exist are left out.
pub const SYSTEM: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/sys", "/dev",
];

/// What a confined process may still do: the accesses handled, and for
/// each allowed place an `O_PATH` descriptor with what it allows there.
/// Made before `fork`; [`Ruleset::restrict_self`] applies it in the child.
#[derive(Debug)]
pub struct Ruleset {
    handled: u64,
    rules: Vec<(OwnedFd, u64)>,
    /// The places allowed, for [`Ruleset::allows_beneath`].
    places: Vec<PathBuf>,
}

impl Ruleset {
    /// A ruleset for the kernel's ABI `abi` that handles reading and
    /// executing, and writing too if `confine_writes`.
    ///
    /// Moving a file into another folder (`REFER`, ABI 2) is handled in
    /// every case: Landlock refuses it (`EXDEV`) to a process whose ruleset
    /// does not handle it, and cargo and rustc rename their outputs into
    /// place. [`Ruleset::allow_all`] allows it where they write.
    pub fn new(abi: u32, confine_writes: bool) -> Ruleset {
        let refer = if abi >= 2 { REFER } else { 0 };
        let handled = READS | refer | if confine_writes { writes(abi) } else { 0 };
        Ruleset {
            handled,
            rules: Vec::new(),
            places: Vec::new(),
        }
    }

    /// Allows reading (and executing) beneath `path`, a folder or a file;
    /// a path that does not exist is skipped.
    pub fn allow_read(&mut self, path: &Path) -> io::Result<()> {
        self.allow(path, READS)
    }

    /// Allows everything handled beneath `path`: reading and writing.
    pub fn allow_all(&mut self, path: &Path) -> io::Result<()> {
        self.allow(path, self.handled)
    }

    fn allow(&mut self, path: &Path, access: u64) -> io::Result<()> {
        let file = match fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH | libc::O_CLOEXEC)
            .open(path)
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
        };
        let mut access = access & self.handled;
        if !file.metadata()?.is_dir() {
            access &= FILE_ACCESS;
        }
        self.rules.push((file.into(), access));
        self.places
            .push(fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
        Ok(())
    }

    /// The allowed place, if any, that holds `path` (compared canonical):
    /// the grader warns when the teacher's kit lies beneath one.
    pub fn allows_beneath(&self, path: &Path) -> Option<&Path> {
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.places
            .iter()
            .find(|place| path.starts_with(place))
            .map(PathBuf::as_path)
    }

    /// Restricts the calling process (and everything it starts later) to
    /// the rules. Only system calls, no allocation: it is called between
    /// `fork` and `exec` (`pre_exec`). Sets `no_new_privs`, which Landlock
    /// requires of an unprivileged process.
    pub fn restrict_self(&self) -> io::Result<()> {
        let attr = RulesetAttr {
            handled_access_fs: self.handled,
        };
        // SAFETY: `attr` lives across the call, and its size is passed with it.
        let ruleset = unsafe {
            libc::syscall(
                SYS_LANDLOCK_CREATE_RULESET,
                &attr as *const RulesetAttr,
                std::mem::size_of::<RulesetAttr>(),
                0u32,
            )
        };
        if ruleset < 0 {
            return Err(io::Error::last_os_error());
        }
        let ruleset = ruleset as libc::c_int;
        for (fd, allowed_access) in &self.rules {
            let rule = PathBeneathAttr {
                allowed_access: *allowed_access,
                parent_fd: fd.as_raw_fd(),
            };
            // SAFETY: `rule` lives across the call; the kernel reads it.
            let added = unsafe {
                libc::syscall(
                    SYS_LANDLOCK_ADD_RULE,
                    ruleset,
                    LANDLOCK_RULE_PATH_BENEATH,
                    &rule as *const PathBeneathAttr,
                    0u32,
                )
            };
            if added < 0 {
                let error = io::Error::last_os_error();
                // SAFETY: closing our own descriptor.
                unsafe { libc::close(ruleset) };
                return Err(error);
            }
        }
        // SAFETY: plain system calls on integers.
        unsafe {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            let restricted = libc::syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0u32);
            let error = io::Error::last_os_error();
            libc::close(ruleset);
            if restricted < 0 {
                return Err(error);
            }
        }
        Ok(())
    }
}
