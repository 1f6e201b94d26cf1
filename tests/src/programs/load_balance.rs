//! `load-balance`: N instances of the web server behind a real nginx, the
//! instances supervised (restarted on their port when one dies).

use crate::harness::tools::Tool;
use crate::kit::ch5::load_balance::{self, Balancer, Instances, Policy};
use anyhow::{Context, bail};
use std::ffi::OsString;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// `load-balance --root DIR [--addr A] [--instances N] [--policy P]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site's folder, which every instance serves (as `web-server --root`).
    #[arg(long)]
    pub root: PathBuf,
    /// Where nginx listens for clients (a port, not 0: nginx needs one).
    #[arg(long, default_value_t = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, super::web_server::SEED_WEB_PORT)))]
    pub addr: SocketAddr,
    /// How many instances of web-server, each on a loopback port of its own.
    #[arg(long, default_value_t = 2)]
    pub instances: usize,
    /// How nginx picks an instance for each request.
    #[arg(long, value_enum, default_value_t = PolicyArg::RoundRobin)]
    pub policy: PolicyArg,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PolicyArg {
    RoundRobin,
    LeastConn,
}

/// How often the supervisor looks for an instance that died.
const WATCH_EVERY: Duration = Duration::from_millis(100);

/// How long nginx has to start listening.
const NGINX_START: Duration = Duration::from_secs(10);

/// Starts the instances, writes nginx's configuration and starts nginx,
/// announces nginx's address, then restarts any instance that dies until
/// SIGINT or SIGTERM (or nginx ends), and stops everything.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.root.is_dir(),
        "the root {} is not a folder",
        args.root.display()
    );
    anyhow::ensure!(args.instances > 0, "--instances must be 1 or more");
    let Some(nginx) = Tool::Nginx.find() else {
        bail!("nginx is not installed (apt-get install nginx-light): it is the balancer")
    };
    catch_stop_signals();
    let runner = std::env::current_exe().context("finding the runner's own program")?;
    let root = args.root.canonicalize()?;
    let addrs: Vec<SocketAddr> = (0..args.instances)
        .map(|_| crate::harness::spare_loopback_addr())
        .collect();
    let web_server: Vec<OsString> = vec!["web-server".into(), "--root".into(), root.into()];
    let mut instances =
        Instances::start(&runner, &web_server, &addrs).context("starting the instances")?;
    let dir = tempfile::tempdir().context("a folder for nginx")?;
    let balancer = Balancer {
        listen: args.addr,
        backends: instances.addrs(),
        policy: match args.policy {
            PolicyArg::RoundRobin => Policy::RoundRobin,
            PolicyArg::LeastConn => Policy::LeastConn,
        },
        dir: dir.path().to_path_buf(),
    };
    let conf = dir.path().join("nginx.conf");
    // As root, nginx's workers run as root too (see `user_line`).
    let text = format!(
        "{}{}",
        crate::harness::nginx::user_line(),
        load_balance::nginx_config(&balancer)?
    );
    std::fs::write(&conf, text)?;
    let mut balancer_process = Command::new(&nginx)
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.path().join("error.log"))
        .stdin(Stdio::null())
        .spawn()
        .context("starting nginx")?;
    let started = Instant::now();
    while TcpStream::connect_timeout(&args.addr, Duration::from_millis(100)).is_err() {
        if let Some(status) = balancer_process.try_wait()? {
            let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
            bail!("nginx ended at its start ({status}): {}", log.trim());
        }
        if started.elapsed() > NGINX_START {
            let _ = balancer_process.kill();
            let _ = balancer_process.wait();
            bail!(
                "nginx did not listen on {} within {NGINX_START:?}",
                args.addr
            );
        }
    }
    super::announce(args.addr)?;
    let shown: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
    println!("backends: {}", shown.join(", "));
    let outcome = supervise(&mut instances, &mut balancer_process);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(balancer_process.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = balancer_process.wait();
    for (addr, status) in instances.stop() {
        println!("backend {addr} stopped: {status}");
    }
    outcome
}

/// The loop: restart what dies; end on a stop signal or when nginx ends.
fn supervise(instances: &mut Instances, nginx: &mut std::process::Child) -> anyhow::Result<()> {
    loop {
        if let Some(signal) = wait_signal(WATCH_EVERY) {
            println!("stopping on {signal}");
            return Ok(());
        }
        for restart in instances.watch().context("restarting an instance")? {
            println!(
                "backend {} ended ({}); started again as pid {}",
                restart.addr, restart.ended, restart.pid
            );
        }
        if let Some(status) = nginx.try_wait()? {
            bail!("nginx ended: {status}");
        }
    }
}

/// The stop signal that came, if one did (0 until then).
static STOP: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_stop(signal: libc::c_int) {
    STOP.store(signal, Ordering::SeqCst);
}

/// SIGINT and SIGTERM noted by a handler rather than blocked: a blocked
/// signal stays blocked in the children, and the instances would ignore
/// the supervisor's SIGTERM. (A handler is reset by `exec`.)
fn catch_stop_signals() {
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe {
        let handler = on_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// The stop signal that came within `timeout`, or `None`.
fn wait_signal(timeout: Duration) -> Option<&'static str> {
    std::thread::sleep(timeout);
    match STOP.load(Ordering::SeqCst) {
        libc::SIGINT => Some("SIGINT"),
        libc::SIGTERM => Some("SIGTERM"),
        _ => None,
    }
}
