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
    if balancer.backends.is_empty() {
        return Err(ConfigError::NoBackends);
    }
    for (i, backend) in balancer.backends.iter().enumerate() {
        if balancer.backends[..i].contains(backend) {
            return Err(ConfigError::Duplicate(*backend));
        }
        if *backend == balancer.listen {
            return Err(ConfigError::ListensOnABackend(*backend));
        }
    }
    let dir = folder(&balancer.dir)?;
    let mut conf = String::new();
    // `write!` to a String cannot fail.
    let _ = writeln!(
        conf,
        "# Written by netkit's load-balance: nginx in front of {} backends.",
        balancer.backends.len()
    );
    let _ = writeln!(conf, "daemon off;");
    let _ = writeln!(conf, "worker_processes 1;");
    let _ = writeln!(conf, "pid {dir}/nginx.pid;");
    let _ = writeln!(conf, "error_log {dir}/error.log warn;");
    let _ = writeln!(
        conf,
        "events {{ worker_connections {WORKER_CONNECTIONS}; }}"
    );
    let _ = writeln!(conf, "http {{");
    let _ = writeln!(conf, "    access_log off;");
    for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let _ = writeln!(conf, "    {temp}_temp_path {dir}/{temp}_temp;");
    }
    let _ = writeln!(conf, "    upstream backends {{");
    if balancer.policy == Policy::LeastConn {
        let _ = writeln!(conf, "        least_conn;");
    }
    for backend in &balancer.backends {
        let _ = writeln!(
            conf,
            "        server {backend} max_fails={MAX_FAILS} fail_timeout={}s;",
            FAIL_TIMEOUT.as_secs()
        );
    }
    let _ = writeln!(conf, "        keepalive {UPSTREAM_KEEPALIVE};");
    let _ = writeln!(conf, "    }}");
    let _ = writeln!(conf, "    server {{");
    let _ = writeln!(conf, "        listen {};", balancer.listen);
    let _ = writeln!(conf, "        location / {{");
    let _ = writeln!(conf, "            proxy_pass http://backends;");
    let _ = writeln!(conf, "            proxy_http_version 1.1;");
    let _ = writeln!(conf, "            proxy_set_header Connection \"\";");
    let _ = writeln!(conf, "            proxy_set_header Host $host;");
    let _ = writeln!(
        conf,
        "            proxy_connect_timeout {}s;",
        CONNECT_TIMEOUT.as_secs()
    );
    let _ = writeln!(
        conf,
        "            proxy_next_upstream error timeout http_502 http_503 http_504;"
    );
    let _ = writeln!(conf, "            proxy_max_temp_file_size 0;");
    let _ = writeln!(conf, "        }}");
    let _ = writeln!(conf, "    }}");
    let _ = writeln!(conf, "}}");
    Ok(conf)
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
        let mut instances = Instances {
            program: program.to_path_buf(),
            args: args.to_vec(),
            running: Vec::with_capacity(addrs.len()),
        };
        for &addr in addrs {
            // On an error, `instances` is dropped: the others are killed
            // and reaped.
            let child = instances.spawn(addr)?;
            instances.running.push(Instance { addr, child });
        }
        Ok(instances)
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
        let mut restarts = Vec::new();
        for index in 0..self.running.len() {
            let addr = self.running[index].addr;
            let ended = match self.running[index].child.try_wait() {
                Ok(Some(status)) => status,
                Ok(None) => continue,
                // ECHILD: it was reaped already; nothing to wait for.
                Err(_) => continue,
            };
            let child = self.spawn(addr)?;
            let pid = child.id();
            self.running[index].child = child;
            restarts.push(Restart { addr, ended, pid });
        }
        Ok(restarts)
    }

    /// Stops every instance (see the type's doc); how each ended, in order.
    pub fn stop(self) -> Vec<(SocketAddr, ExitStatus)> {
        let mut this = self;
        for instance in &this.running {
            signal(&instance.child, libc::SIGTERM);
        }
        let deadline = Instant::now() + STOP_GRACE;
        let mut ended: Vec<Option<ExitStatus>> = vec![None; this.running.len()];
        while ended.iter().any(Option::is_none) && Instant::now() < deadline {
            for (instance, status) in this.running.iter_mut().zip(ended.iter_mut()) {
                if status.is_none() {
                    *status = instance.child.try_wait().ok().flatten();
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let running = std::mem::take(&mut this.running);
        running
            .into_iter()
            .zip(ended)
            .map(|(mut instance, status)| {
                let status = status.unwrap_or_else(|| {
                    let _ = instance.child.kill();
                    instance
                        .child
                        .wait()
                        .unwrap_or_else(|_| std::os::unix::process::ExitStatusExt::from_raw(0))
                });
                (instance.addr, status)
            })
            .collect()
    }

    /// Starts `program ARGS… --addr ADDR` and waits for its first line.
    fn spawn(&self, addr: SocketAddr) -> Result<Child, StartError> {
        let mut command = Command::new(&self.program);
        command
            .args(&self.args)
            .arg("--addr")
            .arg(addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().map_err(|source| StartError::Spawn {
            program: self.program.display().to_string(),
            addr,
            source,
        })?;
        let stdout = child.stdout.take().expect("stdout was piped");
        let (first_line, lines) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let got = reader.read_line(&mut line).map(|n| (n > 0).then_some(line));
            let _ = first_line.send(got.ok().flatten());
            // The rest is read and dropped until the instance ends.
            let _ = io::copy(&mut reader, &mut io::sink());
        });
        let expected = format!("listening on {addr}");
        let outcome = match lines.recv_timeout(START_TIMEOUT) {
            Ok(Some(line)) if line.trim_end() == expected => return Ok(child),
            Ok(Some(line)) => StartError::Unexpected {
                addr,
                line: line.trim_end().to_string(),
            },
            Ok(None) | Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child
                    .wait()
                    .unwrap_or_else(|_| std::os::unix::process::ExitStatusExt::from_raw(0));
                return Err(StartError::Ended { addr, status });
            }
            Err(mpsc::RecvTimeoutError::Timeout) => StartError::Silent { addr },
        };
        let _ = child.kill();
        let _ = child.wait();
        Err(outcome)
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
