//! `select-server`: the line echo, many clients in one thread with `select`
//! (chapter 3).

use crate::kit::ch3::select_server;
use anyhow::Context;
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use std::net::{SocketAddr, TcpListener};

/// `select-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
}

/// Raises the soft limit on open files to the hard one, as a server for
/// many clients does. With the usual soft limit of 1024, `accept` fails
/// (EMFILE) before it can return a descriptor at or above `FD_SETSIZE`;
/// raised, it returns one, and the server must refuse it itself: that is
/// the case the exercise handles, and its test makes. A limit that cannot
/// be raised is left as it is.
fn raise_open_file_limit() {
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
        && let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
    {
        eprintln!("select-server: cannot raise the limit on open files from {soft} to {hard}: {e}");
    }
}

/// Raises the limit on open files, binds, announces the address, and serves
/// until `select` or the listener fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    raise_open_file_limit();
    let listener =
        TcpListener::bind(args.addr).with_context(|| format!("binding {}", args.addr))?;
    super::announce(listener.local_addr()?)?;
    select_server::serve(listener).context("serving clients")?;
    Ok(())
}
