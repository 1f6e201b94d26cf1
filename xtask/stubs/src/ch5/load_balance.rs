//! # Exercise `load-balance`: several servers behind nginx (book: ch5/load-balance.md)
//!
//! When one server process is not enough, run several and put a balancer in
//! front of them: a trusted one, nginx, not a proxy of our own. Two parts
//! are yours; nginx is the real thing:
//!
//! - [`nginx_config`]: the configuration that makes nginx spread requests
//!   over the backends (round robin or least connections), keep its
//!   connections to them open, stop sending to one that fails, and try an
//!   idempotent request again on another when one cannot answer it.
//! - [`Instances`]: the supervisor of the backends: it starts one instance
//!   of a server program per address, notices one that died, reaps it and
//!   starts it again *on the same address* (nginx's configuration names
//!   it), and stops them all, leaving no process behind.

// The imports, the private fields and the two helpers at the end (`folder`,
// `signal`) are the reference's, for your code to use; until it does, rustc
// would warn that they are unused.
#![allow(unused_imports, dead_code)]

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How nginx chooses the backend of each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Each backend in turn (nginx's default).
    RoundRobin,
    /// The backend with the fewest requests in progress (`least_conn`): a
    /// backend stuck on a slow request gets no more until it catches up.
    LeastConn,
}

/// What [`nginx_config`] writes a configuration for.
#[derive(Debug, Clone)]
pub struct Balancer {
    /// Where nginx listens for clients.
    pub listen: SocketAddr,
    /// The backends, in order; each is a server nginx proxies to.
    pub backends: Vec<SocketAddr>,
    pub policy: Policy,
    /// nginx's own folder: its pid file, error log and temporary folders
    /// go here, never in the machine's nginx folders.
    pub dir: PathBuf,
}

/// How many idle connections to the backends each nginx worker keeps open
/// (`keepalive` in the `upstream` block): without them, every request
/// costs a new TCP connection to a backend.
pub const UPSTREAM_KEEPALIVE: usize = 32;

/// After this many failed attempts on a backend within [`FAIL_TIMEOUT`],
/// nginx sends it nothing for [`FAIL_TIMEOUT`] (`max_fails`).
pub const MAX_FAILS: u32 = 1;

/// See [`MAX_FAILS`] (`fail_timeout`).
pub const FAIL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long nginx waits for a backend to accept its connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How many connections (clients' and backends' together) an nginx worker holds.
pub const WORKER_CONNECTIONS: usize = 4096;

/// Why [`nginx_config`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No backend: nginx would answer every request with 502.
    #[error("no backend to balance over")]
    NoBackends,
    /// The same backend twice: it would get twice the share, silently.
    #[error("the backend {0} is listed twice")]
    Duplicate(SocketAddr),
    /// nginx would listen where a backend does.
    #[error("nginx cannot listen on {0}: a backend is there")]
    ListensOnABackend(SocketAddr),
    /// A folder name nginx's syntax cannot hold unquoted (a space, `;`,
    /// a quote, a brace, `$` or `#`), or not absolute.
    #[error(
        "nginx's folder {0:?} must be absolute and hold no space, quote, ';', '{{', '}}', '$' or '#'"
    )]
    BadFolder(PathBuf),
}

// ANCHOR: nginx_config
/// The text of an `nginx.conf` that balances HTTP over `balancer`'s
/// backends.
///
/// - One worker (`worker_processes 1`), `daemon off` (the caller runs it as
///   a child and stops it), no access log; `pid`, `error_log` and every
///   `*_temp_path` under `balancer.dir`; `proxy_max_temp_file_size 0`, so
///   that a large response is passed on, never written to a file.
/// - One `upstream backends` block: `least_conn;` for [`Policy::LeastConn`]
///   (nothing for round robin, nginx's default), then one
///   `server IP:PORT max_fails=1 fail_timeout=10s;` per backend, in order
///   ([`MAX_FAILS`], [`FAIL_TIMEOUT`]), and `keepalive 32;`
///   ([`UPSTREAM_KEEPALIVE`]).
/// - One `server` listening on `balancer.listen` whose `location /` has
///   `proxy_pass http://backends;`, `proxy_http_version 1.1;` and
///   `proxy_set_header Connection "";` (HTTP/1.0, or the client's
///   `Connection: close` passed on, would close the kept connection after
///   each request), `proxy_set_header Host $host;`,
///   `proxy_connect_timeout 1s;` ([`CONNECT_TIMEOUT`]) and
///   `proxy_next_upstream error timeout http_502 http_503 http_504;`: a
///   request that a backend refused, did not answer in time, or answered
///   with 502, 503 or 504 is sent to the next backend, but only if it is
///   idempotent (a POST is never sent twice: no `non_idempotent`).
///
/// Errors: no backend, a backend listed twice, `listen` equal to a backend,
/// and a folder that is not absolute or holds a character nginx's syntax
/// would misread.
pub fn nginx_config(balancer: &Balancer) -> Result<String, ConfigError> {
    // TODO: refuse no backend, a backend twice, `listen` on a backend, and a
    // folder nginx cannot read (the `folder` helper below does that one); then
    // write the configuration line by line, as the doc comment lists it.
    todo!(
        "load-balance: the nginx configuration for {} backends (book: ch5/load-balance.md, \"Your task\")",
        balancer.backends.len()
    )
}
// ANCHOR_END: nginx_config

/// `dir` as nginx may read it unquoted: absolute, and no character of its
/// syntax.
fn folder(dir: &Path) -> Result<String, ConfigError> {
    let text = dir.to_str().filter(|t| {
        dir.is_absolute()
            && !t
                .chars()
                .any(|c| c.is_whitespace() || "\"';{}$#\\".contains(c))
    });
    text.map(|t| t.trim_end_matches('/').to_string())
        .ok_or_else(|| ConfigError::BadFolder(dir.to_path_buf()))
}

/// How long an instance has, from its start, to print its first line.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the instances have, after [`Instances::stop`]'s SIGTERM, to end
/// by themselves; those still running then get SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// Why an instance could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot start {program} for {addr}: {source}")]
    Spawn {
        program: String,
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    /// It ended before saying it listens (a port taken, a bad argument).
    #[error("the instance for {addr} ended before it listened: {status}")]
    Ended {
        addr: SocketAddr,
        status: ExitStatus,
    },
    /// It said nothing within [`START_TIMEOUT`]; it was killed.
    #[error("the instance for {addr} did not say it listens within {START_TIMEOUT:?}")]
    Silent { addr: SocketAddr },
    /// Its first line was not `listening on ADDR` for its address.
    #[error("the instance for {addr} said {line:?}, not `listening on {addr}`")]
    Unexpected { addr: SocketAddr, line: String },
}

/// One instance that [`Instances::watch`] found dead and started again.
#[derive(Debug)]
pub struct Restart {
    pub addr: SocketAddr,
    /// How the dead one ended (it has been reaped).
    pub ended: ExitStatus,
    /// The new process's id.
    pub pid: u32,
}

/// A running instance.
#[derive(Debug)]
struct Instance {
    addr: SocketAddr,
    child: Child,
}

// ANCHOR: instances
/// The backends' supervisor: one process per address, each the program
/// `program ARGS… --addr ADDR`, which must print `listening on ADDR` as its
/// first line once it accepts connections (every server of the runner
/// does).
///
/// - [`Instances::start`] starts them in order and returns once each has
///   said it listens; if one fails, those already started are stopped and
///   reaped, and the error says which and why.
/// - [`Instances::watch`] reaps each instance that has ended (`try_wait`,
///   never blocking) and starts it again on its address; it returns what
///   it restarted.
/// - [`Instances::stop`] sends SIGTERM to each, waits up to [`STOP_GRACE`]
///   for them to end, SIGKILLs the rest, reaps them all, and returns how
///   each ended. Dropping `Instances` kills and reaps what is left.
///
/// An instance's stdin is empty, its stdout read (its first line checked,
/// the rest read and dropped, so that it never blocks on a full pipe), its
/// stderr the supervisor's.
#[derive(Debug)]
pub struct Instances {
    program: PathBuf,
    args: Vec<OsString>,
    running: Vec<Instance>,
}

impl Instances {
    /// Starts one instance per address of `addrs` (see the type's doc).
    pub fn start(
        program: &Path,
        args: &[OsString],
        addrs: &[SocketAddr],
    ) -> Result<Instances, StartError> {
        // TODO: for each address, `spawn` it (below) and keep the Child; on an
        // error, the instances started so far must not be left running.
        let _ = (program, args);
        todo!(
            "load-balance: start {} instances (book: ch5/load-balance.md, \"The supervisor\")",
            addrs.len()
        )
    }

    /// The instances' addresses, in the order they were given.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.running.iter().map(|i| i.addr).collect()
    }

    /// The instances' process ids, in the same order.
    pub fn pids(&self) -> Vec<u32> {
        self.running.iter().map(|i| i.child.id()).collect()
    }

    /// Reaps every instance that has ended and starts it again on its
    /// address; returns the restarts, in the instances' order. An error
    /// (one that will not start again) leaves the others running.
    pub fn watch(&mut self) -> Result<Vec<Restart>, StartError> {
        // TODO: for each instance, `try_wait` (never `wait`: the others are
        // running); one that has ended is reaped by it: start it again on the
        // same address and say so in a Restart.
        todo!(
            "load-balance: watch {} instances (book: ch5/load-balance.md, \"The supervisor\")",
            self.running.len()
        )
    }

    /// Stops every instance (see the type's doc); how each ended, in order.
    pub fn stop(self) -> Vec<(SocketAddr, ExitStatus)> {
        // TODO: SIGTERM each (the `signal` helper below), wait for each up to
        // STOP_GRACE without blocking on one, SIGKILL those left, reap them all.
        todo!(
            "load-balance: stop {} instances (book: ch5/load-balance.md, \"The supervisor\")",
            self.running.len()
        )
    }

    /// Starts `program ARGS… --addr ADDR` and waits for its first line.
    fn spawn(&self, addr: SocketAddr) -> Result<Child, StartError> {
        // TODO: `program ARGS… --addr ADDR` with stdin null, stdout piped, stderr
        // inherited; read its first line on a thread (then drain the rest),
        // wait for it up to START_TIMEOUT, and check it says `listening on ADDR`.
        // A child that fails must be killed and reaped before the error.
        todo!(
            "load-balance: start the instance for {addr} (book: ch5/load-balance.md, \"The supervisor\")"
        )
    }
}
// ANCHOR_END: instances

impl Drop for Instances {
    /// Kills and reaps every instance still running: none outlives its
    /// supervisor.
    fn drop(&mut self) {
        for instance in &mut self.running {
            let _ = instance.child.kill();
            let _ = instance.child.wait();
        }
    }
}

/// Sends `signal` to a child that has not been reaped yet.
fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on the pid of our own unreaped child, which cannot
    // have been reused.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}
