//! One model, started as a child process in a process group of its own, and
//! killed with everything it forked.

use anyhow::{Context, anyhow, bail};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long a server may take to print `listening on IP:PORT`.
const START_BOUND: Duration = Duration::from_secs(10);

/// A running model: `netkit PROGRAM --addr 127.0.0.1:0 ARGS…`.
pub struct ModelServer {
    child: Child,
    pub addr: SocketAddr,
    /// Its stderr goes to a file, read back only to say why it died.
    stderr: tempfile::NamedTempFile,
}

impl ModelServer {
    /// Starts this same `netkit` binary as the model `args` (a program
    /// name and its flags) on an ephemeral loopback port and waits for its
    /// first line.
    pub fn start(args: &[&str]) -> anyhow::Result<ModelServer> {
        let stderr = tempfile::NamedTempFile::new().context("creating a file for stderr")?;
        let exe = std::env::current_exe().context("finding the netkit binary")?;
        let mut child = Command::new(exe)
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr.reopen()?)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", args.join(" ")))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, first_line) = mpsc::channel();
        // Reads the first line, then drains stdout until the server exits,
        // so that it never blocks on (or dies of) a full or closed pipe.
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(reader.read_line(&mut line).map(|_| line));
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut server = ModelServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            stderr,
        };
        let line = match first_line.recv_timeout(START_BOUND) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => bail!("reading its stdout failed: {e}"),
            Err(_) => bail!(
                "no `listening on IP:PORT` line within {START_BOUND:?}: {}",
                server.gist()
            ),
        };
        server.addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|rest| rest.parse().ok())
            .ok_or_else(|| anyhow!("its first line was {line:?}: {}", server.gist()))?;
        Ok(server)
    }

    /// The process group's id: the server's pid.
    pub fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// `Some(why)` if the server exits within `bound`. A server that
    /// panicked resets its clients before its exit can be seen: a caller
    /// that saw a reset gives it a moment to finish dying.
    pub fn exited_within(&mut self, bound: Duration) -> Option<String> {
        wait_for_exit(self.child.id(), bound);
        match self.child.try_wait() {
            Ok(Some(status)) => Some(format!("the server exited ({status}): {}", self.gist())),
            Ok(None) => None,
            Err(e) => Some(format!("the server cannot be waited for: {e}")),
        }
    }

    /// What it said on stderr, on one line (a panic's message first).
    fn gist(&self) -> String {
        let mut text = String::new();
        let _ = self
            .stderr
            .reopen()
            .and_then(|mut f| f.read_to_string(&mut text));
        crate::harness::stderr_gist(&text)
    }
}

impl Drop for ModelServer {
    /// Kills the whole group (a fork server's children too) and reaps every
    /// child this process has. This program is a child subreaper (see
    /// [`become_subreaper`]), so the killed server's orphans are ours to
    /// reap, and it starts no other children: waiting for any child until
    /// none is left is safe.
    fn drop(&mut self) {
        let pgid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
        let _ = self.child.wait();
        while nix::sys::wait::wait().is_ok() {}
    }
}

/// Waits until the process `pid` (our child) has exited, or `bound` has
/// passed: a poll on its pidfd, which becomes readable when it exits.
fn wait_for_exit(pid: u32, bound: Duration) {
    use std::os::fd::{FromRawFd, OwnedFd};
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor
    // (or -1), which the OwnedFd then owns.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    if fd < 0 {
        return;
    }
    // SAFETY: fd is a descriptor just opened, owned by nothing else.
    let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    let mut fds = [nix::poll::PollFd::new(
        std::os::fd::AsFd::as_fd(&pidfd),
        nix::poll::PollFlags::POLLIN,
    )];
    let millis = u16::try_from(bound.as_millis()).unwrap_or(u16::MAX);
    let _ = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(millis));
}

/// Makes this process the reaper of the orphans of its descendants, so that
/// a killed fork server's children, re-parented here rather than to init,
/// are reaped before the next model starts (and never left as zombies for
/// whoever ran this program).
pub fn become_subreaper() {
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes one integer argument
    // and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}
