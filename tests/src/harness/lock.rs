//! A lock held across processes: for the few tests that need the machine to
//! themselves (ten thousand connections at once, say).
//!
//! `serial_test` serialises tests within one test process only; the
//! stability check runs twenty whole suites at once, each its own process,
//! so such a test takes an `flock` on a file in `/tmp` that every process
//! (and every user: graders run as another uid) can open.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};

/// Held while alive: dropping it closes the file, which releases the lock.
pub struct MachineLock {
    _file: File,
}

/// Takes the machine-wide lock `/tmp/netkit-{name}.lock`, waiting for the
/// process that holds it (its test takes a few seconds). The file is
/// created mode 0666, whatever the umask, so that another user's run can
/// take the lock too.
#[track_caller]
pub fn machine_lock(name: &str) -> MachineLock {
    let path = format!("/tmp/netkit-{name}.lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o666)
        .open(&path)
        .unwrap_or_else(|e| panic!("opening the lock file {path} failed: {e}"));
    // The umask may have taken bits off the mode: set it again. (Only the
    // file's owner can; for anyone else it is already 0666.)
    drop(file.set_permissions(std::fs::Permissions::from_mode(0o666)));
    loop {
        // SAFETY: the descriptor is open for the call.
        let done = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if done == 0 {
            return MachineLock { _file: file };
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            panic!("locking {path} failed: {e}");
        }
    }
}
