//! `bench-models`: every server model of chapters 3 to 5 under the kit's
//! own load generator, and nginx beside them when it is installed, in one
//! run, on loopback. For each model in turn: start it (this same binary, or
//! the harness's [`Nginx`]), check that it answers, open idle connections,
//! step by step (100, 1 000, 10 000 for the event loops and nginx), each
//! answered once and left open, and record the server's resident memory per
//! connection; close them, then load it at rising numbers of connections
//! (closed loop, `--seconds` each) and record requests per second, p99 and
//! errors. At the end:
//! the tables, the chapter's ratios, and with `--out-dir` the book's page
//! include (`models.md`) and three SVG charts. `cargo xtask bench` builds
//! this binary in release with the reference and runs it.
//!
//! The load is measured in one place, [`load`], by the kit's load generator
//! (`kit::ch5::load_gen`): a model whose run fails (the load generator not
//! written yet, the server died) is recorded as not measured, with why, and
//! the run goes on.
//!
//! Bounded: each load run lasts `--seconds` (the load generator stops
//! itself); the idle connections are opened and answered within
//! [`IDLE_BOUND`] per step; every server is a process group killed and
//! reaped when it is dropped (a [`ModelServer`] or an [`Nginx`]).

mod chart;
mod table;

use super::bench_web::{self, caught};
use super::compare_models::{footprint, server::ModelServer};
use crate::harness::{Liveness, Nginx, NginxShape, Tool, spare_loopback_addr};
use crate::kit::ch5::load_balance::{Balancer, Instances, Policy, nginx_config};
use crate::kit::ch5::load_gen::{self, Pace, Plan, Protocol, Until};
use anyhow::Context;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use table::{MemPoint, ModelResult, Point};

/// `bench-models [--seconds S] [--threads T] [--models NAME,…] [--out-dir DIR]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How long each load run lasts, in seconds.
    #[arg(long, default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=60))]
    pub seconds: u32,
    /// The load generator's threads (and wrk's, for the comparison).
    #[arg(long, default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub threads: u32,
    /// Only these models (as the table names them: `epoll-server`,
    /// `nginx-1`, …); all by default.
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// Also write models.md, rps.svg, p99.svg and memory.svg into this
    /// folder (the book's is book/src/ch5/measured, written by `cargo xtask
    /// bench --write`).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// The command to name in the table's first line (cargo xtask passes
    /// the one that was typed).
    #[arg(long, hide = true)]
    pub command: Option<String>,
}

/// How long the idle connections of one step may take to be opened and
/// answered once each.
const IDLE_BOUND: Duration = Duration::from_secs(10);

/// How many idle connections are opened at once before their answers are
/// read.
const IDLE_BATCH: usize = 64;

/// An answer not complete after this long is a load generator's error.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(2);

/// The line each request of a line-echo model is.
const LINE: &[u8] = b"the quick brown fox jumps over.\n";

/// The page each request of an HTTP model fetches: 1 KiB.
const PAGE: &str = "/index.html";

/// How many web-server instances the balanced models put behind nginx.
const BALANCED: [usize; 3] = [1, 2, 4];

/// Connections of the thread- and process-per-connection models.
const THREADISH: &[usize] = &[1, 8, 64, 256];
/// Connections of the event loops (and nginx).
const EVENT_LOOPS: &[usize] = &[1, 8, 64, 256, 1000];
/// Idle connections held for the memory of a model with a thread or a
/// process per connection (or select's FD_SETSIZE of 1024).
const IDLE_FEW: &[usize] = &[100, 1000];
/// Idle connections held for the memory of an event loop.
const IDLE_MANY: &[usize] = &[100, 1000, 10_000];

/// How a model is started.
#[derive(Debug, Clone)]
enum Start {
    /// `netkit PROGRAM ARGS… --addr 127.0.0.1:0`; `{root}` in an argument
    /// is the site's folder.
    Kit(Vec<String>),
    /// The installed nginx with this many workers.
    Nginx { workers: usize },
    /// This many `web-server` instances behind the installed nginx, with
    /// chapter 5's balancer configuration (`load_balance::nginx_config`,
    /// round robin, one nginx worker) and its supervisor.
    Balanced { instances: usize },
}

/// A model of the run.
#[derive(Debug, Clone)]
struct Model {
    /// How the tables and charts name it.
    label: String,
    start: Start,
    http: bool,
    connections: &'static [usize],
    idle: &'static [usize],
    /// What the reader must know to read its row.
    note: Option<String>,
}

/// Every model, in the chapters' order, then nginx.
fn models(cores: usize) -> Vec<Model> {
    let kit = |label: &str, words: &[&str], http, connections, idle, note: Option<&str>| Model {
        label: label.to_string(),
        start: Start::Kit(words.iter().map(|w| w.to_string()).collect()),
        http,
        connections,
        idle,
        note: note.map(str::to_string),
    };
    let loops = cores.to_string();
    let mut models = vec![
        kit(
            "iterative-server",
            &["iterative-server"],
            false,
            &[1],
            &[],
            Some(
                "serves one connection at a time, to its end: loaded with 1 connection only \
                 (a second would wait for the first to close), and no idle connections",
            ),
        ),
        kit(
            "fork-server",
            &["fork-server"],
            false,
            THREADISH,
            IDLE_FEW,
            None,
        ),
        kit(
            "thread-server",
            &["thread-server"],
            false,
            THREADISH,
            IDLE_FEW,
            None,
        ),
        kit(
            "pool-server",
            &["pool-server"],
            false,
            THREADISH,
            IDLE_FEW,
            Some(
                "16 workers and a queue of 16 (its defaults): beyond 16 connections the others \
                 wait their turn, and their timeouts are its errors",
            ),
        ),
        kit(
            "select-server",
            &["select-server"],
            false,
            EVENT_LOOPS,
            IDLE_FEW,
            Some("select's descriptors stop at FD_SETSIZE (1024): at most 1 000 idle connections"),
        ),
        kit(
            "epoll-server",
            &["epoll-server"],
            false,
            EVENT_LOOPS,
            IDLE_MANY,
            None,
        ),
        kit(
            "web-server",
            &["web-server", "--root", "{root}"],
            true,
            EVENT_LOOPS,
            IDLE_MANY,
            None,
        ),
        kit(
            "c10k-server",
            &[
                "c10k-server",
                "--root",
                "{root}",
                "--max-connections",
                "12000",
            ],
            true,
            EVENT_LOOPS,
            IDLE_MANY,
            None,
        ),
        kit(
            "multi-core-server",
            &[
                "multi-core-server",
                "--root",
                "{root}",
                "--loops",
                &loops,
                "--max-connections",
                "12000",
            ],
            true,
            EVENT_LOOPS,
            IDLE_MANY,
            None,
        ),
        kit(
            "mixed-server",
            &["mixed-server", "--root", "{root}", "--workers", &loops],
            true,
            EVENT_LOOPS,
            IDLE_MANY,
            None,
        ),
    ];
    if let Some(m) = models.iter_mut().find(|m| m.label == "multi-core-server") {
        m.note = Some(format!("{cores} event loops, one per core"));
    }
    if let Some(m) = models.iter_mut().find(|m| m.label == "mixed-server") {
        m.note = Some(format!("{cores} worker processes, one per core"));
    }
    for instances in BALANCED {
        models.push(Model {
            label: format!("web-server-x{instances}-behind-nginx"),
            start: Start::Balanced { instances },
            http: true,
            connections: EVENT_LOOPS,
            idle: &[],
            note: Some(format!(
                "{instances} web-server instance{} behind one nginx worker (the load-balance \
                 configuration, round robin, kept upstream connections, and `keepalive_requests` \
                 raised as for nginx-1): nginx, the instances and the load generator share the \
                 machine's {cores} cores",
                if instances == 1 { "" } else { "s" }
            )),
        });
    }
    for workers in [1, cores] {
        let label = format!("nginx-{workers}");
        if models.iter().any(|m| m.label == label) {
            continue; // one core: one nginx
        }
        models.push(Model {
            label,
            start: Start::Nginx { workers },
            http: true,
            connections: EVENT_LOOPS,
            idle: IDLE_MANY,
            note: Some(format!(
                "nginx with {workers} worker{} (sendfile on, no access log)",
                if workers == 1 { "" } else { "s" }
            )),
        });
    }
    models
}

/// Measures every chosen model and prints the tables and ratios.
pub fn run(args: Args) -> anyhow::Result<()> {
    let command = args.command.clone().unwrap_or_else(|| {
        let words: Vec<String> = std::env::args().skip(1).collect();
        format!("netkit {}", words.join(" "))
    });
    let started = Instant::now();
    let when = bench_web::table::utc(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    let load_avg = bench_web::load_average();
    super::compare_models::server::become_subreaper();
    // Ten thousand idle connections are ten thousand descriptors here too.
    super::raise_open_file_limit("bench-models");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let all = models(cores);
    for name in &args.models {
        if !all.iter().any(|m| &m.label == name) {
            let known: Vec<&str> = all.iter().map(|m| m.label.as_str()).collect();
            anyhow::bail!(
                "no model named {name:?}; the models are {}",
                known.join(", ")
            );
        }
    }
    let chosen: Vec<Model> = all
        .into_iter()
        .filter(|m| args.models.is_empty() || args.models.contains(&m.label))
        .collect();
    let nginx_path = Tool::Nginx.find();
    let wrk_path = Tool::Wrk.find();
    let site = bench_web::write_site()?;

    let mut results = Vec::new();
    for model in &chosen {
        results.push(measure_model(
            model,
            &args,
            site.path(),
            nginx_path.as_deref(),
        ));
    }
    let wrk_check = wrk_path
        .as_ref()
        .map(|path| load_gen_against_wrk(path, &args, site.path()));

    let facts = table::Facts {
        command: &command,
        when: &when,
        seconds: args.seconds,
        threads: args.threads,
        machine: machine(&load_avg, cores),
        nginx: nginx_path
            .as_deref()
            .map(|p| bench_web::version(p, "-v"))
            .map(|v| format!("nginx {v}"))
            .unwrap_or_else(|| {
                format!(
                    "nginx is not installed (`sudo apt-get install {}`)",
                    Tool::Nginx.package()
                )
            }),
        wrk: wrk_path
            .as_deref()
            .map(|p| format!("wrk {}", bench_web::version(p, "--version")))
            .unwrap_or_else(|| {
                format!(
                    "wrk is not installed (`sudo apt-get install {}`)",
                    Tool::Wrk.package()
                )
            }),
        took: started.elapsed(),
    };
    let ratios = table::ratios(&results, cores, wrk_check.as_ref());
    let text = table::report(&facts, &results, &ratios);
    println!();
    print!("{text}");
    match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let mut files = vec![("models.md".to_string(), text.clone())];
            // The load-balance page shows the balanced rows alone.
            if let Some(table) = table::balanced_table(&results) {
                let by = bench_web::table::measured_by(&command, &when);
                files.push((
                    "balanced.md".to_string(),
                    format!(
                        "{by} The whole run: [measuring the models](measuring.md).\n{}{table}",
                        table::BALANCED_INTRO
                    ),
                ));
            }
            for (name, svg) in chart::all(&results)? {
                files.push((name.to_string(), svg));
            }
            for (name, content) in files {
                let path = dir.join(&name);
                std::fs::write(&path, content)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
        }
        None => println!(
            "\n(not written: `cargo xtask bench --write` writes the table and the charts into \
             book/src/ch5/measured/)"
        ),
    }
    Ok(())
}

/// `2 cores (AMD EPYC), Linux 6.18, load average 1.1 / 0.4 / 0.5 at the start`.
fn machine(load: &str, cores: usize) -> String {
    format!(
        "{cores} cores ({cpu}), Linux {kernel}, load average {load} (1, 5, 15 min) at the start",
        cpu = bench_web::cpu_model(),
        kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
    )
}

/// A model standing: its address, its process group, whether it lives.
enum Running {
    Kit(ModelServer),
    Nginx(Nginx),
    /// nginx in front of its instances (stopped when dropped).
    Balanced(Nginx, Instances),
}

impl Running {
    fn addr(&self) -> SocketAddr {
        match self {
            Running::Kit(s) => s.addr,
            Running::Nginx(n) | Running::Balanced(n, _) => n.addr(),
        }
    }

    /// The group whose processes are the server's: nginx's master and its
    /// workers, a fork server and its children.
    fn pgid(&self) -> u32 {
        match self {
            Running::Kit(s) => s.pgid(),
            Running::Nginx(n) | Running::Balanced(n, _) => n.program().pid(),
        }
    }

    fn alive(&mut self) -> Result<(), String> {
        match self {
            Running::Kit(s) => s.exited_within(Duration::ZERO).map_or(Ok(()), Err),
            Running::Nginx(n) => n.program().check(),
            Running::Balanced(n, instances) => {
                n.program().check()?;
                match instances.watch() {
                    Ok(restarts) if restarts.is_empty() => Ok(()),
                    Ok(restarts) => Err(format!("instances died during the load: {restarts:?}")),
                    Err(e) => Err(format!("an instance died and did not start again: {e}")),
                }
            }
        }
    }
}

/// Starts `model` and checks that it answers.
fn start(model: &Model, root: &Path, nginx: Option<&Path>) -> Result<Running, String> {
    let running = match &model.start {
        Start::Kit(words) => {
            let root = root.display().to_string();
            let words: Vec<String> = words.iter().map(|w| w.replace("{root}", &root)).collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            Running::Kit(ModelServer::start(&words).map_err(|e| format!("did not start: {e:#}"))?)
        }
        Start::Nginx { workers } => {
            let path = nginx.ok_or_else(|| {
                format!(
                    "nginx is not installed (`sudo apt-get install {}`)",
                    Tool::Nginx.package()
                )
            })?;
            let shape = NginxShape {
                workers: *workers,
                connections: IDLE_MANY[IDLE_MANY.len() - 1] + 1024,
            };
            Running::Nginx(
                caught(|| Nginx::serve_shaped(path, root, shape))
                    .map_err(|why| format!("did not start: {why}"))?,
            )
        }
        Start::Balanced { instances } => {
            let path = nginx.ok_or_else(|| {
                format!(
                    "nginx is not installed (`sudo apt-get install {}`)",
                    Tool::Nginx.package()
                )
            })?;
            let (nginx, instances) = balanced(path, root, *instances)?;
            Running::Balanced(nginx, instances)
        }
    };
    if model.http {
        bench_web::check_serves(running.addr())?;
    } else {
        check_echoes(running.addr())?;
    }
    Ok(running)
}

/// `count` instances of this runner's `web-server` serving `root`, on spare
/// loopback ports, behind nginx running chapter 5's balancer configuration
/// (round robin): what `load-balance` starts, and `bench failover` too.
pub fn balanced(nginx: &Path, root: &Path, count: usize) -> Result<(Nginx, Instances), String> {
    // As for nginx-1: no close of a client's connection every 1000
    // requests (nginx's default `keepalive_requests`), which the load
    // generator would count as errors.
    balanced_with(nginx, root, count, |conf| {
        conf.replacen(
            "    access_log off;\n",
            "    access_log off;\n    keepalive_requests 1000000;\n",
            1,
        )
    })
}

/// [`balanced`], with the configuration passed through `edit` first (the
/// failover bench turns the retries off to show what they give).
pub fn balanced_with(
    nginx: &Path,
    root: &Path,
    count: usize,
    edit: impl Fn(String) -> String,
) -> Result<(Nginx, Instances), String> {
    let runner = std::env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    let addrs: Vec<SocketAddr> = (0..count).map(|_| spare_loopback_addr()).collect();
    let args: Vec<std::ffi::OsString> = vec!["web-server".into(), "--root".into(), root.into()];
    let instances = caught(|| Instances::start(&runner, &args, &addrs))?
        .map_err(|e| format!("the instances did not start: {e}"))?;
    let backends = instances.addrs();
    let nginx = caught(|| {
        Nginx::with_config(
            nginx,
            "nginx in front of web-server instances",
            |dir, listen| {
                let balancer = Balancer {
                    listen,
                    backends: backends.clone(),
                    policy: Policy::RoundRobin,
                    dir: dir.to_path_buf(),
                };
                edit(nginx_config(&balancer).unwrap_or_else(|e| panic!("nginx_config: {e}")))
            },
        )
    })
    .map_err(|why| format!("nginx did not start in front of the instances: {why}"))?;
    Ok((nginx, instances))
}

/// One line sent, the same line back.
fn check_echoes(addr: SocketAddr) -> Result<(), String> {
    let mut stream = connect(addr, ANSWER_TIMEOUT).map_err(|e| format!("connecting: {e}"))?;
    stream
        .write_all(LINE)
        .map_err(|e| format!("sending a line: {e}"))?;
    match read_answer(&mut stream, false) {
        Ok(answer) if answer == LINE => Ok(()),
        Ok(answer) => Err(format!(
            "sent {:?}, got {:?} back: not the line echo",
            String::from_utf8_lossy(LINE),
            String::from_utf8_lossy(&answer)
        )),
        Err(e) => Err(format!("no echo of a line: {e}")),
    }
}

/// One model measured: its load points, then its memory.
fn measure_model(model: &Model, args: &Args, root: &Path, nginx: Option<&Path>) -> ModelResult {
    let mut result = ModelResult {
        label: model.label.clone(),
        http: model.http,
        note: model.note.clone(),
        ..ModelResult::default()
    };
    let mut server = match start(model, root, nginx) {
        Ok(server) => server,
        Err(why) => {
            eprintln!("{}: not measured: {why}", model.label);
            result.failure = Some(why);
            return result;
        }
    };
    // The memory first, on the fresh server: after a load, memory its
    // allocator keeps from the load's connections would hide what an idle
    // connection costs. The idle connections are closed before the load.
    if !model.idle.is_empty() {
        match idle_memory(&mut server, model.http, model.idle) {
            Ok(memory) => result.memory = memory,
            Err(why) => {
                eprintln!("{}: memory not measured: {why}", model.label);
                result.failure = Some(format!("memory: {why}"));
                return result;
            }
        }
    }
    let protocol = protocol(model.http);
    for &connections in model.connections {
        eprint!("{}: {connections} connections: ", model.label);
        let _ = std::io::stderr().flush();
        let measured = load(server.addr(), &protocol, connections, args).and_then(|point| {
            server.alive()?;
            Ok(point)
        });
        match measured {
            Ok(point) => {
                eprintln!(
                    "{:.0} req/s, p99 {:.2} ms, {} errors",
                    point.rps,
                    point.p99.as_secs_f64() * 1e3,
                    point.errors
                );
                result.points.push(point);
            }
            Err(why) => {
                eprintln!("failed: {why}");
                result.failure = Some(why);
                break;
            }
        }
    }
    result
}

/// The request of a model.
fn protocol(http: bool) -> Protocol {
    if http {
        Protocol::Http {
            path: PAGE.to_string(),
        }
    } else {
        Protocol::Line {
            line: LINE.to_vec(),
        }
    }
}

/// The one place a load is measured: the kit's load generator, closed
/// loop, `connections` connections for `--seconds`. Its panics (a `todo!()`
/// not written yet) and errors are this run's failure, in one line.
fn load(
    addr: SocketAddr,
    protocol: &Protocol,
    connections: usize,
    args: &Args,
) -> Result<Point, String> {
    let plan = Plan {
        addr,
        connections,
        threads: (args.threads as usize).min(connections),
        protocol: protocol.clone(),
        until: Until::Elapsed(Duration::from_secs(args.seconds.into())),
        pace: Pace::Closed,
        timeout: ANSWER_TIMEOUT,
    };
    let report = caught(|| load_gen::run(&plan))
        .map_err(|why| {
            if why.contains("not yet implemented") {
                "the kit's load generator is not written yet (a `todo!()` of load_gen.rs)"
                    .to_string()
            } else {
                format!("the load generator panicked: {}", short(&why))
            }
        })?
        .map_err(|e| format!("the load generator failed: {e}"))?;
    let e = &report.errors;
    let errors = e.connect + e.read + e.write + e.timeout + e.closed + e.status + e.malformed;
    let (rps, p99) = caught(|| (report.requests_per_second(), report.percentile(99.0)))
        .map_err(|why| format!("the load generator's report panicked: {}", short(&why)))?;
    Ok(Point {
        connections,
        rps,
        p99,
        errors,
    })
}

/// The first line of `text`, at most 160 characters.
fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// The server's resident memory per idle connection at each count of
/// `steps`: connections opened, each answered once (so that the server has
/// accepted it and read from it) and left open, the memory (the group's
/// PSS) read after each step, less the memory before the first.
fn idle_memory(server: &mut Running, http: bool, steps: &[usize]) -> Result<Vec<MemPoint>, String> {
    let addr = server.addr();
    let before = footprint::of_group(server.pgid()).pss;
    let mut open: Vec<TcpStream> = Vec::new();
    let mut memory = Vec::new();
    let request = request(http, addr);
    for &step in steps {
        eprint!("  {step} idle connections: ");
        let _ = std::io::stderr().flush();
        let deadline = Instant::now() + IDLE_BOUND;
        // In batches: each batch answered before the next is opened, so
        // that the listener's backlog never overflows (a dropped SYN is
        // retried only a second later) however slowly the server accepts.
        let mut answered = open.len();
        'opening: while open.len() < step && answered == open.len() {
            let batch = (step - open.len()).min(IDLE_BATCH);
            let first = open.len();
            for _ in 0..batch {
                let left = deadline.saturating_duration_since(Instant::now());
                let Ok(mut stream) = connect(addr, left) else {
                    break 'opening;
                };
                if stream.write_all(&request).is_err() {
                    break 'opening;
                }
                open.push(stream);
            }
            for stream in &mut open[first..] {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
                    break 'opening;
                }
                match read_answer(stream, http) {
                    Ok(_) => answered += 1,
                    Err(_) => break 'opening,
                }
            }
        }
        server.alive()?;
        let now = footprint::of_group(server.pgid()).pss;
        let point = MemPoint {
            idle: step,
            held: answered,
            bytes_per_connection: (answered > 0)
                .then(|| now.saturating_sub(before) as f64 / answered as f64),
        };
        eprintln!(
            "{answered} held, {}",
            point
                .bytes_per_connection
                .map_or("-".to_string(), |b| format!("{:.1} KiB each", b / 1024.0))
        );
        memory.push(point);
        if answered < step {
            break; // the server holds no more: a larger step would say nothing new
        }
    }
    Ok(memory)
}

/// The bytes of one request.
fn request(http: bool, addr: SocketAddr) -> Vec<u8> {
    if http {
        format!("GET {PAGE} HTTP/1.1\r\nHost: {addr}\r\n\r\n").into_bytes()
    } else {
        LINE.to_vec()
    }
}

fn connect(addr: SocketAddr, bound: Duration) -> std::io::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, bound.max(Duration::from_millis(1)))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    stream.set_write_timeout(Some(ANSWER_TIMEOUT))?;
    Ok(stream)
}

/// One answer: a line up to its '\n', or an HTTP response whose body is its
/// `Content-Length`. Leaves the connection open.
fn read_answer(stream: &mut TcpStream, http: bool) -> std::io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let closed = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed mid-answer");
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(closed());
        }
        answer.extend_from_slice(&buf[..n]);
        if !http {
            if answer.ends_with(b"\n") {
                return Ok(answer);
            }
            continue;
        }
        let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&answer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "no Content-Length")
            })?;
        if answer.len() >= end + 4 + length {
            return Ok(answer);
        }
    }
}

/// The kit's load generator and wrk, against the kit's web-server, with the
/// same connections and threads, in turn.
fn load_gen_against_wrk(wrk_path: &Path, args: &Args, root: &Path) -> Result<(f64, f64), String> {
    const CONNECTIONS: usize = 64;
    let model = models(1)
        .into_iter()
        .find(|m| m.label == "web-server")
        .expect("the web-server model");
    let mut server = start(&model, root, None)?;
    let addr = server.addr();
    eprint!("wrk -t{} -c{CONNECTIONS} on web-server: ", args.threads);
    let url = format!("http://{addr}{PAGE}");
    let threads = args.threads;
    let seconds = args.seconds;
    let wrk = caught(|| {
        crate::harness::wrk_threads(wrk_path, &url, threads, CONNECTIONS as u32, seconds)
    })?;
    eprintln!("{:.0} req/s", wrk.requests_per_sec);
    eprint!("load-gen, the same: ");
    let ours = load(addr, &protocol(true), CONNECTIONS, args)?;
    eprintln!("{:.0} req/s", ours.rps);
    server.alive()?;
    let _ = wrk;
    Ok((ours.rps, wrk.requests_per_sec))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_of_the_issue_is_run_and_nginx_twice_on_two_cores() {
        let labels: Vec<String> = models(2).into_iter().map(|m| m.label).collect();
        for name in [
            "iterative-server",
            "fork-server",
            "thread-server",
            "pool-server",
            "select-server",
            "epoll-server",
            "web-server",
            "c10k-server",
            "multi-core-server",
            "mixed-server",
            "nginx-1",
            "nginx-2",
        ] {
            assert!(
                labels.iter().any(|l| l == name),
                "no model {name} in {labels:?}"
            );
        }
        let one_core: Vec<String> = models(1).into_iter().map(|m| m.label).collect();
        assert_eq!(
            one_core.iter().filter(|l| l.starts_with("nginx")).count(),
            1,
            "one core: one nginx, {one_core:?}"
        );
    }

    #[test]
    fn the_points_fit_the_five_minutes_on_two_cores() {
        // 2 s a point, plus the two runs of the wrk comparison; the idle
        // steps and the starts take a few seconds more per model.
        let points: usize = models(2).iter().map(|m| m.connections.len()).sum();
        let seconds = points * 2 + 2 * 2;
        assert!(
            seconds <= 150,
            "{points} points take {seconds} s at 2 s each"
        );
    }

    #[test]
    fn answers_are_read_whole_and_no_further() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (go_on, next) = std::sync::mpsc::channel::<()>();
        let peer = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().expect("accept");
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc")
                .expect("write");
            next.recv().expect("the answer was read");
            s.write_all(b"line\n").expect("write");
            s
        });
        let mut stream = connect(addr, ANSWER_TIMEOUT).expect("connect");
        let http = read_answer(&mut stream, true).expect("an HTTP answer");
        assert!(
            http.ends_with(b"\r\n\r\nabc"),
            "{:?}",
            String::from_utf8_lossy(&http)
        );
        go_on.send(()).expect("the peer waits");
        let line = read_answer(&mut stream, false).expect("a line");
        assert_eq!(line, b"line\n", "the next answer, alone");
        drop(peer.join().expect("the peer"));
    }
}
