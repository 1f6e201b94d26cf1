//! Landlock (Linux ≥ 5.13), by its three system calls: a test process may
//! write only beneath its own temporary folder (and to `/dev/null`).
//!
//! Landlock needs no privilege and works inside containers, as root or not;
//! reading and executing stay allowed everywhere (the test binary, the
//! runner, the kit's `data/`), so only writes are restricted: creating,
//! writing, truncating, renaming into, linking and removing files and
//! folders outside the allowed ones fails with `EACCES`. Sockets are not
//! files: TCP and UDP on loopback still work.

use std::io;
use std::os::fd::RawFd;

const SYS_LANDLOCK_CREATE_RULESET: libc::c_long = 444;
const SYS_LANDLOCK_ADD_RULE: libc::c_long = 445;
const SYS_LANDLOCK_RESTRICT_SELF: libc::c_long = 446;
const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
const LANDLOCK_RULE_PATH_BENEATH: libc::c_int = 1;

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
fn handled(abi: u32) -> u64 {
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

/// Restricts the calling process (and everything it starts later) to
/// writing beneath `writable_dir` and to the file `dev_null`, both open
/// `O_PATH` descriptors. Only system calls, no allocation: it is called
/// between `fork` and `exec` (`pre_exec`). Sets `no_new_privs`, which
/// Landlock requires of an unprivileged process.
pub fn restrict_writes(abi: u32, writable_dir: RawFd, dev_null: RawFd) -> io::Result<()> {
    let handled = handled(abi);
    let attr = RulesetAttr {
        handled_access_fs: handled,
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
    let rules = [
        (writable_dir, handled),
        (dev_null, handled & (WRITE_FILE | TRUNCATE)),
    ];
    for (fd, allowed_access) in rules {
        let rule = PathBeneathAttr {
            allowed_access,
            parent_fd: fd,
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
            return Err(io::Error::last_os_error());
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
