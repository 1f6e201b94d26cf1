//! Tests of the exercise `load-balance` (book: ch5/load-balance.md): the
//! nginx configuration, read as text and then run by a real nginx in front
//! of backends the test plays, and the supervisor of the instances, as
//! `/proc` shows its children.
//!
//! The backends are HTTP/1.1 servers on threads of the test ([`Backend`]):
//! each answers with its own name and counts the connections it accepted
//! and the requests it read, and some misbehave on purpose (answer 503,
//! reset a POST, hold a request until the test lets it go). The
//! supervisor's instances are real processes: the runner's `fixture-http`,
//! an HTTP server of the harness that prints `listening on ADDR`. Tests
//! that need nginx print `skipped: …` without it (`.ci/run` installs it).
//! Every wait is bounded; nothing listens but on 127.0.0.1.

use netkit_tests::harness::nginx::Nginx;
use netkit_tests::harness::program::runner_path;
use netkit_tests::harness::tools::Tool;
use netkit_tests::harness::{Report, STEP, TIMEOUT, spare_loopback_addr};
use netkit_tests::kit::ch5::load_balance::{
    Balancer, ConfigError, FAIL_TIMEOUT, Instances, MAX_FAILS, Policy, STOP_GRACE, StartError,
    UPSTREAM_KEEPALIVE, nginx_config,
};
use netkit_tests::probes::procfs;
use rstest::rstest;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

/// A loopback address whose port was free a moment ago.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("binding 127.0.0.1:0")
}

fn balancer(backends: &[SocketAddr], policy: Policy) -> Balancer {
    Balancer {
        listen: free_addr(),
        backends: backends.to_vec(),
        policy,
        dir: PathBuf::from("/tmp/netkit-nginx"),
    }
}

fn config_of(balancer: &Balancer) -> String {
    nginx_config(balancer).unwrap_or_else(|e| {
        Report::sent(format!("nginx_config({balancer:?})"))
            .expected("a configuration")
            .got(format!("the error {e:?}: {e}"))
            .cause("a valid balancer (backends distinct, nginx listening elsewhere, an absolute folder) refused")
            .fail()
    })
}

/// The lines of `conf` without their indentation, and without blank lines.
fn lines(conf: &str) -> Vec<&str> {
    conf.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The directives of the block that starts with the line `head` (up to
/// its matching `}`), one per line, trimmed.
fn block<'a>(conf: &'a str, head: &str) -> Vec<&'a str> {
    let all = lines(conf);
    let Some(start) = all.iter().position(|l| *l == head) else {
        Report::sent("nginx_config(…)")
            .expected(format!("a block `{head}`"))
            .got(conf.to_string())
            .cause("the block is missing, or its opening line is written differently")
            .fail()
    };
    let mut depth = 0;
    let mut inside = Vec::new();
    for line in &all[start..] {
        depth += line.matches('{').count();
        depth -= line.matches('}').count();
        inside.push(*line);
        if depth == 0 {
            break;
        }
    }
    inside
}

// ------------------------------------------------------------- backends

/// How a [`Backend`] answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    /// 200 with its name as the body.
    Answer,
    /// 503 Service Unavailable to every request.
    Unavailable,
    /// A POST's whole request is read, then the connection is reset
    /// without an answer; a GET is answered.
    ResetPosts,
    /// Each request is held, unanswered, until the test releases the
    /// backend ([`Backend::release`]); then answered.
    Hold,
    /// Every connection is closed as soon as it is accepted.
    CloseAtOnce,
}

/// An HTTP/1.1 keep-alive server on threads of the test.
struct Backend {
    name: String,
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    /// Every request read: `METHOD PATH BODY`.
    requests: Arc<Mutex<Vec<String>>>,
    released: Arc<(Mutex<bool>, std::sync::Condvar)>,
}

impl Backend {
    fn start(name: &str, behaviour: Behaviour) -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a backend's listener");
        let addr = listener.local_addr().expect("its address");
        let backend = Backend {
            name: name.to_string(),
            addr,
            connections: Arc::new(AtomicUsize::new(0)),
            requests: Arc::new(Mutex::new(Vec::new())),
            released: Arc::new((Mutex::new(false), std::sync::Condvar::new())),
        };
        let (connections, requests, released) = (
            backend.connections.clone(),
            backend.requests.clone(),
            backend.released.clone(),
        );
        let name = name.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                connections.fetch_add(1, Ordering::SeqCst);
                if behaviour == Behaviour::CloseAtOnce {
                    drop(stream);
                    continue;
                }
                let (name, requests, released) = (name.clone(), requests.clone(), released.clone());
                std::thread::spawn(move || {
                    serve(stream, &name, behaviour, &requests, &released);
                });
            }
        });
        backend
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("the requests").clone()
    }

    /// Lets every held request (and every later one) be answered.
    fn release(&self) {
        let (flag, changed) = &*self.released;
        *flag.lock().expect("the flag") = true;
        changed.notify_all();
    }
}

/// One connection of a backend: requests until the peer closes.
fn serve(
    stream: TcpStream,
    name: &str,
    behaviour: Behaviour,
    requests: &Mutex<Vec<String>>,
    released: &(Mutex<bool>, std::sync::Condvar),
) {
    let _ = stream.set_read_timeout(Some(TIMEOUT * 3));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = Vec::new();
        let mut length = 0usize;
        let mut connection = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            if let Some(value) = lower.strip_prefix("connection:") {
                connection = value.trim().to_string();
            }
            head.push(line.trim_end().to_string());
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let first = head.first().cloned().unwrap_or_default();
        let method = first.split(' ').next().unwrap_or("").to_string();
        let record = format!("{first} {}", String::from_utf8_lossy(&body));
        requests.lock().expect("the requests").push(record);
        let (status, text) = match behaviour {
            Behaviour::Unavailable => ("503 Service Unavailable", format!("{name} is busy")),
            Behaviour::ResetPosts if method == "POST" => {
                // SO_LINGER 0: close sends a reset, not a FIN.
                let socket = socket2::SockRef::from(reader.get_ref());
                let _ = socket.set_linger(Some(Duration::ZERO));
                return;
            }
            Behaviour::Hold => {
                let (flag, changed) = released;
                let guard = flag.lock().expect("the flag");
                let _guard = changed
                    .wait_timeout_while(guard, TIMEOUT * 3, |released| !*released)
                    .expect("the flag");
                ("200 OK", name.to_string())
            }
            _ => ("200 OK", name.to_string()),
        };
        // As a real HTTP/1.1 server does: an HTTP/1.0 request, or one
        // that says `Connection: close`, gets its answer and the close.
        let close =
            connection == "close" || (first.ends_with("HTTP/1.0") && connection != "keep-alive");
        let answer = format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n{}\r\n{text}",
            text.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        if writer.write_all(answer.as_bytes()).is_err() || close {
            return;
        }
    }
}

// ---------------------------------------------------------------- client

/// A response as the client read it.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

/// A keep-alive HTTP/1.1 client connection to nginx.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr)
            .unwrap_or_else(|e| panic!("connecting to nginx at {addr}: {e}"));
        stream
            .set_read_timeout(Some(TIMEOUT))
            .expect("a read timeout");
        Client {
            writer: stream.try_clone().expect("a second handle"),
            reader: BufReader::new(stream),
        }
    }

    fn get(&mut self, path: &str) -> Answer {
        self.send(&format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n"))
    }

    fn post(&mut self, path: &str, body: &str) -> Answer {
        self.send(&format!(
            "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ))
    }

    fn send(&mut self, request: &str) -> Answer {
        self.writer
            .write_all(request.as_bytes())
            .unwrap_or_else(|e| panic!("sending {request:?} to nginx: {e}"));
        self.read_answer(request)
    }

    fn read_answer(&mut self, request: &str) -> Answer {
        let mut status_line = String::new();
        self.reader
            .read_line(&mut status_line)
            .unwrap_or_else(|e| panic!("reading nginx's answer to {request:?}: {e}"));
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("nginx answered {request:?} with {status_line:?}"));
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.reader
                .read_line(&mut line)
                .unwrap_or_else(|e| panic!("reading the head of nginx's answer: {e}"));
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader
            .read_exact(&mut body)
            .unwrap_or_else(|e| panic!("reading the body of nginx's answer: {e}"));
        Answer {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

/// nginx running the student's configuration for `backends`, or `None`
/// after the skip line when nginx is not installed.
fn nginx_for(what: &str, backends: &[&Backend], policy: Policy) -> Option<Nginx> {
    let addrs: Vec<SocketAddr> = backends.iter().map(|b| b.addr).collect();
    // The student's code first, nginx or not: without nginx the test
    // still fails on code not written (a test that passes against the
    // stub would assert nothing), and skips only the run by nginx.
    config_of(&Balancer {
        listen: free_addr(),
        backends: addrs.clone(),
        policy,
        dir: PathBuf::from("/tmp/netkit-nginx"),
    });
    let nginx = Tool::Nginx.or_skip(what)?;
    Some(Nginx::with_config(
        &nginx,
        "the student's load balancer",
        |dir, listen| {
            let balancer = Balancer {
                listen,
                backends: addrs.clone(),
                policy,
                dir: dir.to_path_buf(),
            };
            config_of(&balancer)
        },
    ))
}

/// How many of `answers` each backend gave, by name, in `backends`' order.
fn shares(answers: &[Answer], backends: &[&Backend]) -> Vec<(String, usize)> {
    backends
        .iter()
        .map(|b| {
            let n = answers.iter().filter(|a| a.body == b.name).count();
            (b.name.clone(), n)
        })
        .collect()
}

// ------------------------------------------------- the configuration, as text

#[test]
fn the_upstream_names_every_backend_in_order_with_its_health_limits() {
    let backends = [free_addr(), free_addr(), free_addr()];
    let conf = config_of(&balancer(&backends, Policy::RoundRobin));
    let upstream = block(&conf, "upstream backends {");
    let servers: Vec<&str> = upstream
        .iter()
        .filter(|l| l.starts_with("server "))
        .copied()
        .collect();
    let expected: Vec<String> = backends
        .iter()
        .map(|b| {
            format!(
                "server {b} max_fails={MAX_FAILS} fail_timeout={}s;",
                FAIL_TIMEOUT.as_secs()
            )
        })
        .collect();
    if servers != expected {
        Report::sent(format!("nginx_config with the backends {backends:?}"))
            .expected(format!("in `upstream backends`, in order:\n{}", expected.join("\n")))
            .got(upstream.join("\n"))
            .cause("a backend left out or out of order, or its max_fails/fail_timeout missing: without them nginx keeps sending to a backend that fails")
            .fail();
    }
    let keepalive = format!("keepalive {UPSTREAM_KEEPALIVE};");
    if !upstream.contains(&keepalive.as_str()) {
        Report::sent("nginx_config(…)")
            .expected(format!("`{keepalive}` in the upstream block"))
            .got(upstream.join("\n"))
            .cause("no keepalive: every request through nginx opens (and closes) a connection to a backend")
            .fail();
    }
}

#[rstest]
#[case::round_robin(Policy::RoundRobin, false)]
#[case::least_conn(Policy::LeastConn, true)]
fn the_policy_is_written_in_the_upstream(#[case] policy: Policy, #[case] least_conn: bool) {
    let conf = config_of(&balancer(&[free_addr(), free_addr()], policy));
    let upstream = block(&conf, "upstream backends {");
    let has = upstream.contains(&"least_conn;");
    if has != least_conn {
        Report::sent(format!("nginx_config with the policy {policy:?}"))
            .expected(if least_conn {
                "`least_conn;` in the upstream block"
            } else {
                "no balancing directive: round robin is nginx's default"
            })
            .got(upstream.join("\n"))
            .cause("the policy ignored, or written for the other one")
            .fail();
    }
}

#[test]
fn the_proxy_keeps_its_connections_and_retries_only_what_may_be_repeated() {
    let conf = config_of(&balancer(&[free_addr()], Policy::RoundRobin));
    let location = block(&conf, "location / {");
    for wanted in [
        "proxy_pass http://backends;",
        "proxy_http_version 1.1;",
        "proxy_set_header Connection \"\";",
    ] {
        if !location.contains(&wanted) {
            Report::sent("nginx_config(…)")
                .expected(format!("`{wanted}` in `location /`"))
                .got(location.join("\n"))
                .cause("nginx talks HTTP/1.0 to a backend, and passes the client's Connection header on, unless told otherwise: either closes the kept connection after each request")
                .fail();
        }
    }
    let Some(next) = location
        .iter()
        .find(|l| l.starts_with("proxy_next_upstream "))
    else {
        Report::sent("nginx_config(…)")
            .expected("a `proxy_next_upstream …;` line in `location /`")
            .got(location.join("\n"))
            .cause("without it, nginx tries another backend only on a connection error or timeout, not on a 502, 503 or 504")
            .fail()
    };
    let words: Vec<&str> = next.trim_end_matches(';').split_whitespace().collect();
    for wanted in ["error", "timeout", "http_502", "http_503", "http_504"] {
        if !words.contains(&wanted) {
            Report::sent("nginx_config(…)")
                .expected(format!("`{wanted}` in `{next}`"))
                .got(next.to_string())
                .cause("a failure nginx should route around is passed to the client")
                .fail();
        }
    }
    if words.contains(&"non_idempotent") {
        Report::sent("nginx_config(…)")
            .expected("no `non_idempotent` in proxy_next_upstream")
            .got(next.to_string())
            .cause("non_idempotent sends a POST that a backend may have acted on to a second backend: done twice")
            .fail();
    }
}

#[test]
fn nginx_keeps_its_files_in_its_own_folder() {
    let mut b = balancer(&[free_addr()], Policy::RoundRobin);
    b.dir = PathBuf::from("/tmp/netkit-test-folder");
    let conf = config_of(&b);
    let all = lines(&conf);
    for wanted in [
        "daemon off;",
        "pid /tmp/netkit-test-folder/nginx.pid;",
        "access_log off;",
        "proxy_max_temp_file_size 0;",
    ] {
        if !all.contains(&wanted) {
            Report::sent(format!("nginx_config with dir {:?}", b.dir))
                .expected(format!("the line `{wanted}`"))
                .got(conf.clone())
                .cause("nginx would write its pid file, logs or temporary files into the machine's nginx folders, or fork into the background")
                .fail();
        }
    }
    for temp in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] {
        let wanted = format!("{temp}_temp_path /tmp/netkit-test-folder/{temp}_temp;");
        if !all.contains(&wanted.as_str()) {
            Report::sent(format!("nginx_config with dir {:?}", b.dir))
                .expected(format!("the line `{wanted}`"))
                .got(conf.clone())
                .cause("a temporary folder left at nginx's default, outside its own folder")
                .fail();
        }
    }
}

#[rstest]
#[case::no_backend(vec![], None, "/tmp/x", ConfigError::NoBackends)]
#[case::a_backend_twice(vec![1, 2, 1], None, "/tmp/x", ConfigError::Duplicate(addr(1)))]
#[case::listening_on_a_backend(vec![1, 2], Some(2), "/tmp/x", ConfigError::ListensOnABackend(addr(2)))]
#[case::a_relative_folder(vec![1], None, "nginx", ConfigError::BadFolder(PathBuf::from("nginx")))]
#[case::a_folder_with_a_space(vec![1], None, "/tmp/my nginx", ConfigError::BadFolder(PathBuf::from("/tmp/my nginx")))]
#[case::a_folder_with_a_semicolon(vec![1], None, "/tmp/a;b", ConfigError::BadFolder(PathBuf::from("/tmp/a;b")))]
fn a_balancer_nginx_would_misread_is_refused(
    #[case] ports: Vec<u16>,
    #[case] listen: Option<u16>,
    #[case] dir: &str,
    #[case] expected: ConfigError,
) {
    let balancer = Balancer {
        listen: addr(listen.unwrap_or(9)),
        backends: ports.into_iter().map(addr).collect(),
        policy: Policy::RoundRobin,
        dir: PathBuf::from(dir),
    };
    match nginx_config(&balancer) {
        Err(e) if e == expected => {}
        other => Report::sent(format!("nginx_config({balancer:?})"))
            .expected(format!("Err({expected:?})"))
            .got(format!("{other:?}"))
            .cause("a configuration nginx would refuse, or worse read differently, written anyway")
            .fail(),
    }
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

// ------------------------------------------- the configuration, run by nginx

#[test]
fn round_robin_gives_each_backend_its_turn() {
    let backends = [
        Backend::start("a", Behaviour::Answer),
        Backend::start("b", Behaviour::Answer),
        Backend::start("c", Behaviour::Answer),
    ];
    let all: Vec<&Backend> = backends.iter().collect();
    let Some(nginx) = nginx_for("round robin through nginx", &all, Policy::RoundRobin) else {
        return;
    };
    let mut client = Client::connect(nginx.addr());
    let answers: Vec<Answer> = (0..12).map(|_| client.get("/")).collect();
    let got = shares(&answers, &all);
    if got.iter().any(|(_, n)| *n != 4) {
        Report::sent(format!(
            "12 GET / through nginx ({}) to 3 backends, round robin",
            nginx.addr()
        ))
        .expected("4 answers from each backend")
        .got(format!("{got:?}"))
        .cause("a backend missing from the upstream, or a policy other than round robin")
        .fail();
    }
}

#[test]
fn the_connections_to_the_backends_are_kept_open() {
    let backends = [
        Backend::start("a", Behaviour::Answer),
        Backend::start("b", Behaviour::Answer),
    ];
    let all: Vec<&Backend> = backends.iter().collect();
    let Some(nginx) = nginx_for("keep-alive to the backends", &all, Policy::RoundRobin) else {
        return;
    };
    let mut client = Client::connect(nginx.addr());
    for _ in 0..30 {
        let answer = client.get("/");
        assert_eq!(answer.status, 200, "GET / through nginx: {answer:?}");
    }
    let opened: Vec<usize> = backends.iter().map(Backend::connections).collect();
    if opened.iter().sum::<usize>() > 4 {
        Report::sent("30 GET / on one client connection through nginx to 2 backends")
            .expected("each backend's connection kept for the next request: 1 or 2 connections each")
            .got(format!("the backends accepted {opened:?} connections"))
            .cause("the upstream has no `keepalive`, or the location lacks `proxy_http_version 1.1` and `proxy_set_header Connection \"\"`")
            .fail();
    }
}

#[test]
fn least_conn_sends_nothing_to_a_backend_busy_with_a_slow_request() {
    let slow = Backend::start("slow", Behaviour::Hold);
    let quick = [
        Backend::start("b", Behaviour::Answer),
        Backend::start("c", Behaviour::Answer),
    ];
    let all = [&slow, &quick[0], &quick[1]];
    let Some(nginx) = nginx_for("least_conn through nginx", &all, Policy::LeastConn) else {
        return;
    };
    // Requests on connections of their own, one at a time, until one is
    // held by the slow backend (at most 3: every backend idle, least_conn
    // takes them in turn).
    let mut held = None;
    for _ in 0..3 {
        let mut client = Client::connect(nginx.addr());
        client
            .writer
            .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            .expect("sending a GET to nginx");
        let before = slow.requests().len();
        let mut answered = None;
        let deadline = Instant::now() + TIMEOUT;
        // Either the slow backend got it, or an answer comes.
        client
            .reader
            .get_ref()
            .set_read_timeout(Some(STEP))
            .expect("a short read timeout");
        while Instant::now() < deadline {
            if slow.requests().len() > before {
                break;
            }
            if !client
                .reader
                .fill_buf()
                .map(|b| b.is_empty())
                .unwrap_or(true)
            {
                answered = Some(());
                break;
            }
        }
        client
            .reader
            .get_ref()
            .set_read_timeout(Some(TIMEOUT))
            .expect("a read timeout");
        if answered.is_some() {
            let answer = client.read_answer("GET /");
            assert_ne!(
                answer.body, "slow",
                "the slow backend answers only when released"
            );
            continue;
        }
        held = Some(client);
        break;
    }
    let Some(held) = held else {
        Report::sent("3 GET / through nginx to the backends slow, b, c")
            .expected("one of them held by the slow backend")
            .got("all three answered by b and c")
            .cause("the slow backend missing from the upstream")
            .fail()
    };
    let mut client = Client::connect(nginx.addr());
    let answers: Vec<Answer> = (0..6).map(|_| client.get("/")).collect();
    slow.release();
    drop(held);
    let to_slow = slow.requests().len();
    if to_slow != 1 {
        Report::sent("while the backend `slow` holds one request, 6 more GET / through nginx")
            .expected("all 6 to b and c: least_conn picks the backend with the fewest requests in progress")
            .got(format!(
                "slow was sent {} more; the answers: {:?}",
                to_slow - 1,
                shares(&answers, &[&quick[0], &quick[1]])
            ))
            .cause("`least_conn;` missing from the upstream (round robin sends the busy backend its turn)")
            .fail();
    }
}

#[test]
fn a_get_answered_503_is_tried_on_another_backend() {
    let busy = Backend::start("busy", Behaviour::Unavailable);
    let fine = [
        Backend::start("b", Behaviour::Answer),
        Backend::start("c", Behaviour::Answer),
    ];
    let all = [&busy, &fine[0], &fine[1]];
    let Some(nginx) = nginx_for("retrying a 503 through nginx", &all, Policy::RoundRobin) else {
        return;
    };
    let mut client = Client::connect(nginx.addr());
    let answers: Vec<Answer> = (0..9).map(|_| client.get("/")).collect();
    let failed: Vec<&Answer> = answers.iter().filter(|a| a.status != 200).collect();
    if !failed.is_empty() || busy.requests().is_empty() {
        Report::sent("9 GET / through nginx; the backend `busy` answers 503 to everything")
            .expected("9 answers 200 from b and c, busy having been tried")
            .got(format!(
                "{} not 200: {failed:?}; busy was sent {}",
                failed.len(),
                busy.requests().len()
            ))
            .cause("`http_503` missing from proxy_next_upstream: nginx passes the 503 on")
            .fail();
    }
}

#[test]
fn a_post_is_never_sent_to_a_second_backend() {
    let resetting = Backend::start("resetting", Behaviour::ResetPosts);
    let fine = Backend::start("fine", Behaviour::Answer);
    let all = [&resetting, &fine];
    let Some(nginx) = nginx_for("a POST through nginx", &all, Policy::RoundRobin) else {
        return;
    };
    // POSTs on connections of their own until one reaches `resetting`.
    for i in 0..4 {
        let body = format!("order-{i}");
        let mut client = Client::connect(nginx.addr());
        let answer = client.post("/orders", &body);
        let reached = |b: &Backend| b.requests().iter().any(|r| r.ends_with(&body));
        if !reached(&resetting) {
            continue;
        }
        if reached(&fine) || answer.status == 200 {
            Report::sent(format!(
                "POST /orders with the body {body:?} through nginx; the backend `resetting` read it whole, then reset the connection"
            ))
            .expected("a 502 to the client, and the POST never sent to `fine`: the first backend may have acted on it")
            .got(format!(
                "{} from nginx; `fine` was sent the POST too: {}",
                answer.status,
                reached(&fine)
            ))
            .cause("`non_idempotent` in proxy_next_upstream: a request that must not be repeated was")
            .fail();
        }
        return;
    }
    Report::sent("4 POST /orders through nginx to the backends resetting and fine")
        .expected("one of them sent to `resetting`")
        .got(format!("resetting got {:?}", resetting.requests()))
        .cause("a backend missing from the upstream")
        .fail();
}

#[test]
fn a_backend_that_fails_is_left_alone_for_fail_timeout() {
    let broken = Backend::start("broken", Behaviour::CloseAtOnce);
    let fine = [
        Backend::start("b", Behaviour::Answer),
        Backend::start("c", Behaviour::Answer),
    ];
    let all = [&broken, &fine[0], &fine[1]];
    let Some(nginx) = nginx_for("a failing backend through nginx", &all, Policy::RoundRobin) else {
        return;
    };
    let mut client = Client::connect(nginx.addr());
    let started = Instant::now();
    let answers: Vec<Answer> = (0..12).map(|_| client.get("/")).collect();
    let elapsed = started.elapsed();
    let failed: Vec<&Answer> = answers.iter().filter(|a| a.status != 200).collect();
    let tries = broken.connections();
    // Only meaningful within fail_timeout of the first failure.
    if elapsed < FAIL_TIMEOUT && (tries != 1 || !failed.is_empty()) {
        Report::sent("12 GET / through nginx; the backend `broken` closes every connection at once")
            .expected(format!(
                "all 200; `broken` tried once, then left alone for fail_timeout ({} s)",
                FAIL_TIMEOUT.as_secs()
            ))
            .got(format!(
                "{} not 200; `broken` was tried {tries} times in {elapsed:?}",
                failed.len()
            ))
            .cause("max_fails/fail_timeout missing or wrong (max_fails=0 turns the accounting off), or `error` missing from proxy_next_upstream")
            .fail();
    }
}

#[test]
fn nginx_accepts_the_configuration_for_least_conn_too() {
    let backends = [
        Backend::start("a", Behaviour::Answer),
        Backend::start("b", Behaviour::Answer),
    ];
    let all: Vec<&Backend> = backends.iter().collect();
    let Some(nginx) = nginx_for(
        "nginx runs the least_conn configuration",
        &all,
        Policy::LeastConn,
    ) else {
        return;
    };
    let mut client = Client::connect(nginx.addr());
    let answers: Vec<Answer> = (0..4).map(|_| client.get("/")).collect();
    let got = shares(&answers, &all);
    if got.iter().any(|(_, n)| *n == 0) {
        Report::sent("4 GET / in turn through nginx, least_conn, to 2 idle backends")
            .expected("both backends used (all idle: least_conn takes them in turn)")
            .got(format!("{got:?}"))
            .cause("a backend missing from the upstream")
            .fail();
    }
}

// ------------------------------------------------------------ the supervisor

/// The runner's `fixture-http`, answering `body`, as the instances' program.
fn fixture(body: &str) -> (PathBuf, Vec<OsString>) {
    (
        runner_path(),
        vec!["fixture-http".into(), "--body".into(), body.into()],
    )
}

/// A shell that runs `first`, says it listens, then runs `then` (the
/// address is `$2`).
fn shell(first: &str, then: &str) -> (PathBuf, Vec<OsString>) {
    (
        PathBuf::from("/bin/sh"),
        vec![
            "-c".into(),
            format!("{first} echo \"listening on $2\"; {then}").into(),
            "sh".into(),
        ],
    )
}

fn start(program: &(PathBuf, Vec<OsString>), addrs: &[SocketAddr]) -> Instances {
    Instances::start(&program.0, &program.1, addrs).unwrap_or_else(|e| {
        Report::sent(format!(
            "Instances::start({}, {:?}, {addrs:?})",
            program.0.display(),
            program.1
        ))
        .expected("every instance started")
        .got(format!("the error {e:?}: {e}"))
        .cause("`--addr ADDR` not added after the arguments, or the first line not read as `listening on ADDR`")
        .fail()
    })
}

/// One GET / to `addr`, straight to an instance.
fn get_direct(addr: SocketAddr) -> Option<Answer> {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).ok()?;
    stream.set_read_timeout(Some(TIMEOUT)).ok()?;
    let mut client = Client {
        writer: stream.try_clone().ok()?,
        reader: BufReader::new(stream),
    };
    client
        .writer
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .ok()?;
    Some(client.read_answer("GET /"))
}

/// Whether `pid` is a zombie child of this process.
fn is_my_zombie(pid: u32) -> bool {
    procfs::read(pid as i32).is_some_and(|p| p.is_zombie() && p.ppid == std::process::id() as i32)
}

/// Whether `pid` is still a child of this process (running or zombie).
fn is_my_child(pid: u32) -> bool {
    procfs::read(pid as i32).is_some_and(|p| p.ppid == std::process::id() as i32)
}

/// Waits (bounded) until `pid`, a child of ours, has ended: a zombie.
fn wait_until_ended(pid: u32) {
    let deadline = Instant::now() + TIMEOUT;
    while !is_my_zombie(pid) {
        assert!(
            Instant::now() < deadline,
            "the instance {pid}, killed with SIGKILL, did not end within {TIMEOUT:?}"
        );
        std::thread::park_timeout(STEP);
    }
}

#[test]
fn start_runs_one_instance_per_address_each_answering_there() {
    let addrs = [
        spare_loopback_addr(),
        spare_loopback_addr(),
        spare_loopback_addr(),
    ];
    let instances = start(&fixture("hello"), &addrs);
    if instances.addrs() != addrs {
        Report::sent(format!("Instances::start(fixture-http, {addrs:?})"))
            .expected(format!("addrs() == {addrs:?}"))
            .got(format!("{:?}", instances.addrs()))
            .cause("the addresses kept out of order, or the instances given ports of their own")
            .fail();
    }
    let pids = instances.pids();
    for (addr, pid) in addrs.iter().zip(&pids) {
        let answer = get_direct(*addr);
        if answer.as_ref().is_none_or(|a| a.body != "hello") || !is_my_child(*pid) {
            Report::sent(format!("GET / to the instance at {addr} (pid {pid})"))
                .expected("a child process of the supervisor answering `hello` there")
                .got(format!(
                    "{answer:?}; a child of ours: {}",
                    is_my_child(*pid)
                ))
                .cause("the instance started without `--addr ADDR`, or not as a child")
                .fail();
        }
    }
}

#[test]
fn a_killed_instance_is_reaped_and_started_again_on_its_address() {
    let addrs = [spare_loopback_addr(), spare_loopback_addr()];
    let mut instances = start(&fixture("again"), &addrs);
    let before = instances.pids();
    let victim = before[1];
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(victim as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("SIGKILL to an instance");
    wait_until_ended(victim);
    let restarts = instances
        .watch()
        .unwrap_or_else(|e| panic!("watch() after a SIGKILL: {e}"));
    let after = instances.pids();
    let restarted_right = restarts.len() == 1
        && restarts[0].addr == addrs[1]
        && restarts[0].pid == after[1]
        && after[1] != victim
        && after[0] == before[0];
    if !restarted_right {
        Report::sent(format!("SIGKILL to the instance at {} (pid {victim}), then watch()", addrs[1]))
            .expected(format!("one Restart for {}, its new pid in pids(), the other untouched", addrs[1]))
            .got(format!("restarts {restarts:?}; pids before {before:?}, after {after:?}"))
            .cause("a dead instance not noticed (kill(pid, 0) succeeds on a zombie: only waiting tells), or the wrong one restarted")
            .fail();
    }
    if is_my_zombie(victim) {
        Report::sent(format!("SIGKILL to {victim}, then watch()"))
            .expected("the dead instance reaped")
            .got(format!("{victim} is still a zombie child of ours"))
            .cause("the instance replaced without waiting for the old one (try_wait)")
            .fail();
    }
    let answer = get_direct(addrs[1]);
    if answer.as_ref().is_none_or(|a| a.body != "again") {
        Report::sent(format!("GET / to {} after the restart", addrs[1]))
            .expected(
                "the new instance answering on the same address: nginx's configuration names it",
            )
            .got(format!("{answer:?}"))
            .cause("the new instance started on another port (port 0?)")
            .fail();
    }
}

#[test]
fn watch_leaves_running_instances_alone() {
    let addrs = [spare_loopback_addr(), spare_loopback_addr()];
    let mut instances = start(&fixture("calm"), &addrs);
    let before = instances.pids();
    let restarts = instances.watch().unwrap_or_else(|e| panic!("watch(): {e}"));
    if !restarts.is_empty() || instances.pids() != before {
        Report::sent("watch() with every instance running")
            .expected("no restart, the same pids")
            .got(format!(
                "restarts {restarts:?}; pids {before:?} then {:?}",
                instances.pids()
            ))
            .cause("watch blocks in wait(), or restarts instances that run")
            .fail();
    }
}

#[test]
fn stop_ends_every_instance_and_reaps_it() {
    let addrs = [spare_loopback_addr(), spare_loopback_addr()];
    let instances = start(&fixture("bye"), &addrs);
    let pids = instances.pids();
    let ended = instances.stop();
    let left: Vec<u32> = pids.iter().copied().filter(|p| is_my_child(*p)).collect();
    let addrs_seen: Vec<SocketAddr> = ended.iter().map(|(a, _)| *a).collect();
    if !left.is_empty() || addrs_seen != addrs {
        Report::sent(format!("stop() on the instances {pids:?}"))
            .expected("every instance ended and reaped, and how each ended, in order")
            .got(format!(
                "still children of ours: {left:?}; stop() returned {ended:?}"
            ))
            .cause("SIGTERM sent without waiting for the instances to end")
            .fail();
    }
}

#[test]
fn stop_kills_an_instance_that_ignores_sigterm() {
    let addrs = [spare_loopback_addr()];
    // The trap is set before the line that says it listens: the
    // supervisor may signal it the moment it has read that line.
    let instances = start(&shell("trap '' TERM;", "exec sleep 60"), &addrs);
    let pid = instances.pids()[0];
    let started = Instant::now();
    let ended = instances.stop();
    let took = started.elapsed();
    use std::os::unix::process::ExitStatusExt;
    let killed = ended.first().is_some_and(|(_, s)| s.signal() == Some(9));
    if !killed || is_my_child(pid) || took > STOP_GRACE + TIMEOUT {
        Report::sent("stop() on an instance that ignores SIGTERM (`trap '' TERM`)")
            .expected(format!(
                "SIGKILL after STOP_GRACE ({STOP_GRACE:?}), and the instance reaped"
            ))
            .got(format!(
                "{ended:?} after {took:?}; still a child of ours: {}",
                is_my_child(pid)
            ))
            .cause(
                "no SIGKILL after the grace: a server that ignores SIGTERM outlives its supervisor",
            )
            .fail();
    }
}

#[test]
fn an_instance_that_cannot_listen_is_an_error_and_nothing_is_left_running() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a port held by the test");
    let busy = taken.local_addr().expect("its address");
    let first = spare_loopback_addr();
    // Each instance writes its pid into a file named for its port, then
    // becomes fixture-http (exec: the same process).
    let pids = tempfile::tempdir().expect("a folder for the pids");
    let script = format!(
        "echo $$ > {}/\"${{2##*:}}\"; exec {} fixture-http --body x \"$@\"",
        pids.path().display(),
        runner_path().display()
    );
    let args: Vec<OsString> = vec!["-c".into(), script.into(), "sh".into()];
    match Instances::start(std::path::Path::new("/bin/sh"), &args, &[first, busy]) {
        Err(StartError::Ended { addr, .. }) if addr == busy => {}
        other => Report::sent(format!(
            "Instances::start(fixture-http, [{first}, {busy}]) where {busy} is already taken"
        ))
        .expected(format!("Err(StartError::Ended {{ addr: {busy}, .. }})"))
        .got(format!("{other:?}"))
        .cause("an instance that ended before its first line not told apart")
        .fail(),
    }
    let pid: Option<u32> = std::fs::read_to_string(pids.path().join(first.port().to_string()))
        .ok()
        .and_then(|text| text.trim().parse().ok());
    let Some(pid) = pid else {
        Report::sent(format!(
            "Instances::start with a second address ({busy}) already taken"
        ))
        .expected(format!("the instance at {first} started first"))
        .got("it never ran")
        .cause("the instances not started in the order of their addresses")
        .fail()
    };
    if is_my_child(pid) {
        Report::sent(format!(
            "Instances::start with a second address ({busy}) already taken"
        ))
        .expected(format!(
            "the first instance, at {first} (pid {pid}), stopped and reaped before the error"
        ))
        .got(format!("{:?}", procfs::read(pid as i32)))
        .cause("the instances started before the failure were left running, or not reaped")
        .fail();
    }
}

#[test]
fn an_instance_that_says_something_else_first_is_refused() {
    let program = (
        PathBuf::from("/bin/sh"),
        vec!["-c".into(), "echo hello; exec sleep 60".into(), "sh".into()],
    );
    let addr = spare_loopback_addr();
    match Instances::start(&program.0, &program.1, &[addr]) {
        Err(StartError::Unexpected { line, .. }) if line == "hello" => {}
        other => Report::sent("Instances::start with a program whose first line is `hello`")
            .expected("Err(StartError::Unexpected { line: \"hello\", .. })")
            .got(format!("{other:?}"))
            .cause("the first line taken as a sign of listening without reading it")
            .fail(),
    }
}

#[test]
fn dropping_the_supervisor_kills_and_reaps_its_instances() {
    let addrs = [spare_loopback_addr(), spare_loopback_addr()];
    let instances = start(&fixture("dropped"), &addrs);
    let pids = instances.pids();
    drop(instances);
    let left: Vec<u32> = pids.iter().copied().filter(|p| is_my_child(*p)).collect();
    assert!(
        left.is_empty(),
        "dropping Instances must kill and reap every instance; still children of ours: {left:?}"
    );
}

// --------------------------------------------------------------- together

#[test]
fn gets_through_nginx_all_succeed_while_an_instance_is_killed_and_restarted() {
    let addrs = [spare_loopback_addr(), spare_loopback_addr()];
    // The student's supervisor and configuration first (see `nginx_for`).
    let mut instances = start(&fixture("served"), &addrs);
    config_of(&balancer(&addrs, Policy::RoundRobin));
    let Some(nginx_path) = Tool::Nginx.or_skip("failover through nginx") else {
        return;
    };
    let nginx = Nginx::with_config(&nginx_path, "the student's load balancer", |dir, listen| {
        config_of(&Balancer {
            listen,
            backends: addrs.to_vec(),
            policy: Policy::RoundRobin,
            dir: dir.to_path_buf(),
        })
    });
    let mut client = Client::connect(nginx.addr());
    let mut failed = Vec::new();
    for i in 0..60 {
        if i == 20 {
            let victim = instances.pids()[0];
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(victim as i32),
                nix::sys::signal::Signal::SIGKILL,
            )
            .expect("SIGKILL to an instance");
            wait_until_ended(victim);
        }
        if i == 40 {
            let restarts = instances.watch().unwrap_or_else(|e| panic!("watch(): {e}"));
            assert_eq!(
                restarts.len(),
                1,
                "watch() restarts the killed instance: {restarts:?}"
            );
        }
        let answer = client.get("/");
        if answer.status != 200 {
            failed.push((i, answer));
        }
    }
    if !failed.is_empty() {
        Report::sent("60 GET / through nginx to 2 instances; the first SIGKILLed after 20, restarted after 40")
            .expected("60 answers 200: nginx tries the other instance")
            .got(format!("{} failed: {failed:?}", failed.len()))
            .cause("`error` missing from proxy_next_upstream, or a backend missing from the upstream")
            .fail();
    }
}
