//! The seed's select demonstration (§3.3.4): one thread watches a TCP
//! listener, a UDP socket and a pipe at once, and learns which of them is
//! ready. The program is its own client: it connects, sends a datagram and
//! writes to the pipe, and after each step asks `select` what is ready. Then
//! what the seed's demo shows without saying: sockets are almost always
//! writable, a regular file always "ready", and a descriptor at or above
//! `FD_SETSIZE` cannot be watched at all. Run it with
//! `cargo xtask run select-demo`.

use nix::fcntl::{FcntlArg, fcntl};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::select::{FD_SETSIZE, FdSet, select};
use nix::sys::time::{TimeVal, TimeValLike};
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::panic;

// ANCHOR: ready
/// Which of `watched` are ready, for reading (or for writing when `write`),
/// waiting at most `timeout_ms` for the first one.
fn ready<'a>(watched: &[(&'a str, BorrowedFd<'_>)], write: bool, timeout_ms: i64) -> Vec<&'a str> {
    // The set is rebuilt for every call: select overwrites it with its answer.
    let mut set = FdSet::new();
    for (_, fd) in watched {
        set.insert(*fd);
    }
    let mut timeout = TimeVal::milliseconds(timeout_ms);
    let (read_set, write_set) = if write {
        (None, Some(&mut set))
    } else {
        (Some(&mut set), None)
    };
    // nfds None: nix passes the highest descriptor in the sets, plus one.
    match select(None, read_set, write_set, None, &mut timeout) {
        Ok(0) => return Vec::new(), // the timeout: nothing became ready
        Ok(_) => {}
        Err(err) => panic!("select failed: {err}"),
    }
    // The answer is the same bit array: look at every descriptor we gave.
    watched
        .iter()
        .filter(|(_, fd)| set.contains(*fd))
        .map(|(name, _)| *name)
        .collect()
}
// ANCHOR_END: ready

fn main() -> io::Result<()> {
    // ANCHOR: watch
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let udp = UdpSocket::bind("127.0.0.1:0")?;
    let (pipe_reader, mut pipe_writer) = io::pipe()?;
    let watched = [
        ("listener", listener.as_fd()),
        ("udp", udp.as_fd()),
        ("pipe", pipe_reader.as_fd()),
    ];
    println!("nothing sent yet:   {:?}", ready(&watched, false, 100));

    let client = TcpStream::connect(listener.local_addr()?)?;
    println!("after a connect:    {:?}", ready(&watched, false, 1000));
    let (_conn, peer) = listener.accept()?; // ready: it does not wait
    println!("                    accepted {peer}");

    let sender = UdpSocket::bind("127.0.0.1:0")?;
    sender.send_to(b"hello", udp.local_addr()?)?;
    println!("after a datagram:   {:?}", ready(&watched, false, 1000));
    let mut buffer = [0u8; 1500];
    let (len, from) = udp.recv_from(&mut buffer)?;
    println!("                    {len} bytes from {from}");

    pipe_writer.write_all(b"a line\n")?;
    println!("after a pipe write: {:?}", ready(&watched, false, 1000));
    let len = (&pipe_reader).read(&mut buffer)?;
    println!("                    {len} bytes from the pipe");

    let _second = TcpStream::connect(listener.local_addr()?)?;
    sender.send_to(b"again", udp.local_addr()?)?;
    pipe_writer.write_all(b"more\n")?;
    println!("all three at once:  {:?}", ready(&watched, false, 1000));
    // ANCHOR_END: watch

    // ANCHOR: always
    // The seed's demo puts its sockets in the write list too, and select
    // returns at once: a socket with room in its send buffer is writable.
    let writers = [("udp", udp.as_fd()), ("tcp client", client.as_fd())];
    println!("ready to write:     {:?}", ready(&writers, true, 1000));
    // And a regular file is always ready: select cannot wait for a disk.
    let file = File::open(std::env::current_exe()?)?;
    println!(
        "a regular file:     {:?}",
        ready(&[("file", file.as_fd())], false, 1000)
    );
    // ANCHOR_END: always

    fd_setsize(&listener)
}

// ANCHOR: limit
/// Whether `fd` fits in an `fd_set`: a bit array of `FD_SETSIZE` bits.
fn fits_in_fd_set(fd: BorrowedFd<'_>) -> bool {
    usize::try_from(fd.as_raw_fd()).is_ok_and(|fd| fd < FD_SETSIZE)
}
// ANCHOR_END: limit

/// A descriptor numbered `FD_SETSIZE` or more, as a server with that many
/// open connections gets from `accept`: refused by the check, and what
/// nix's `FdSet` does without it.
fn fd_setsize(listener: &TcpListener) -> io::Result<()> {
    println!("FD_SETSIZE = {FD_SETSIZE}");
    // Allow this process more than FD_SETSIZE descriptors, if it may not yet.
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    let wanted = 2 * FD_SETSIZE as u64;
    if soft < wanted && hard > FD_SETSIZE as u64 {
        setrlimit(Resource::RLIMIT_NOFILE, wanted.min(hard), hard)?;
    }
    let conn = TcpStream::connect(listener.local_addr()?)?;
    // A copy of it at the lowest free number at or above FD_SETSIZE.
    let raw = match fcntl(&conn, FcntlArg::F_DUPFD_CLOEXEC(FD_SETSIZE as i32)) {
        Ok(raw) => raw,
        Err(err) => {
            println!("cannot get a descriptor at or above FD_SETSIZE: {err}");
            return Ok(());
        }
    };
    // SAFETY: fcntl has just made `raw`, and nothing else owns it.
    let high = unsafe { OwnedFd::from_raw_fd(raw) };
    drop(conn);
    // ANCHOR: refuse
    if !fits_in_fd_set(high.as_fd()) {
        println!("descriptor {raw}: at or above FD_SETSIZE, refused and closed");
    }
    // ANCHOR_END: refuse
    // Without the check: nix's FdSet::insert asserts, so the thread panics.
    // (C's FD_SET would write past the end of the array instead.)
    panic::set_hook(Box::new(|_| {})); // keep the panic's report off stderr
    let outcome = panic::catch_unwind(|| FdSet::new().insert(high.as_fd()));
    let _ = panic::take_hook();
    if let Err(payload) = outcome {
        let message = payload.downcast_ref::<&str>().copied().unwrap_or("?");
        println!("FdSet::insert({raw}) panics: {message:?}");
    }
    drop(high);
    Ok(())
}
