//! The seed's epoll demonstration (§3.3.4), then the difference between
//! level-triggered and edge-triggered epoll. First an epoll instance watches
//! a TCP listener, a UDP socket and a pipe, as select did; a regular file is
//! refused. Then one socket whose reader reads at most 4 bytes per wake-up:
//! level-triggered, epoll keeps reporting the bytes that are left; with
//! `--edge`, it reports only new arrivals, and the bytes left wait unseen
//! until the reader drains the socket until `WouldBlock`. Run it with
//! `cargo xtask run epoll-demo`, then `cargo xtask run epoll-demo --edge`.

use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags};
use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;

/// How long, in milliseconds, a wait that should find nothing lasts.
const SHORT: u16 = 100;

fn main() -> io::Result<()> {
    let edge = std::env::args().skip(1).any(|arg| arg == "--edge");
    three_sources()?;
    triggering(edge)
}

// ANCHOR: three
const LISTENER: u64 = 1;
const UDP: u64 = 2;
const PIPE: u64 = 3;

fn three_sources() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let udp = UdpSocket::bind("127.0.0.1:0")?;
    let (pipe_reader, mut pipe_writer) = io::pipe()?;
    // epoll_create1: the kernel object, reached through a descriptor.
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    // epoll_ctl(ADD): into the interest list, once, each with the events it
    // wants and a number of ours that comes back with its events.
    epoll.add(&listener, EpollEvent::new(EpollFlags::EPOLLIN, LISTENER))?;
    epoll.add(&udp, EpollEvent::new(EpollFlags::EPOLLIN, UDP))?;
    epoll.add(&pipe_reader, EpollEvent::new(EpollFlags::EPOLLIN, PIPE))?;
    let file = File::open(std::env::current_exe()?)?;
    if let Err(err) = epoll.add(&file, EpollEvent::new(EpollFlags::EPOLLIN, 4)) {
        println!("a regular file:  refused, {err}");
    }

    let _client = TcpStream::connect(listener.local_addr()?)?;
    UdpSocket::bind("127.0.0.1:0")?.send_to(b"hello", udp.local_addr()?)?;
    pipe_writer.write_all(b"a line\n")?;

    // epoll_wait: only what is ready comes back, not the whole list.
    let mut events = [EpollEvent::empty(); 8];
    let ready = epoll.wait(&mut events, 1000u16)?;
    let mut names: Vec<&str> = events[..ready].iter().map(|e| name(e.data())).collect();
    names.sort(); // the kernel's order is the order things became ready
    println!("ready:           {names:?}");

    // Take what each one offers; level-triggered, nothing is then left.
    listener.accept()?;
    udp.recv_from(&mut [0u8; 1500])?;
    (&pipe_reader).read_exact(&mut [0u8; 7])?; // "a line\n"
    let ready = epoll.wait(&mut events, SHORT)?;
    println!("after handling:  {ready} ready");
    Ok(())
}
// ANCHOR_END: three

fn name(data: u64) -> &'static str {
    match data {
        LISTENER => "listener",
        UDP => "udp",
        PIPE => "pipe",
        _ => "?",
    }
}

// ANCHOR: trigger
fn triggering(edge: bool) -> io::Result<()> {
    let (mut writer, reader) = UnixStream::pair()?;
    reader.set_nonblocking(true)?;
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
    let flags = if edge {
        println!("edge-triggered (EPOLLIN | EPOLLET), each wake-up reads at most 4 bytes");
        EpollFlags::EPOLLIN | EpollFlags::EPOLLET
    } else {
        println!("level-triggered (EPOLLIN), each wake-up reads at most 4 bytes");
        EpollFlags::EPOLLIN
    };
    epoll.add(&reader, EpollEvent::new(flags, 0))?;
    let mut unread = 0;
    let mut send = |bytes: &[u8], unread: &mut usize| -> io::Result<()> {
        writer.write_all(bytes)?;
        *unread += bytes.len();
        println!("sent {:?}", String::from_utf8_lossy(bytes));
        Ok(())
    };
    send(b"0123456789", &mut unread)?;
    for round in 1..=5 {
        if round == 4 {
            send(b"abc", &mut unread)?;
        }
        let mut events = [EpollEvent::empty(); 1];
        if epoll.wait(&mut events, SHORT)? == 0 {
            println!("wait {round}: no event in 100 ms, {unread} bytes unread");
            continue;
        }
        // One read of at most 4 bytes: this does not drain the socket.
        let mut buffer = [0u8; 4];
        let got = (&reader).read(&mut buffer)?;
        unread -= got;
        let text = String::from_utf8_lossy(&buffer[..got]);
        println!("wait {round}: readable, read {text:?}, {unread} bytes unread");
    }
    // ANCHOR_END: trigger

    // ANCHOR: drain
    // What edge-triggered code must do: on each event, read until WouldBlock.
    send(b"xyz", &mut unread)?;
    let mut events = [EpollEvent::empty(); 1];
    if epoll.wait(&mut events, SHORT)? == 1 {
        let mut drained = Vec::new();
        let mut buffer = [0u8; 4];
        loop {
            match (&reader).read(&mut buffer) {
                Ok(0) => break, // the end of the stream: the writer closed
                Ok(got) => drained.extend_from_slice(&buffer[..got]),
                Err(err) if err.kind() == ErrorKind::WouldBlock => break, // drained
                Err(err) => return Err(err),
            }
        }
        unread -= drained.len();
        let text = String::from_utf8_lossy(&drained);
        println!("wait 6: readable, drained {text:?} until WouldBlock, {unread} bytes unread");
    }
    let ready = epoll.wait(&mut events, SHORT)?;
    println!("wait 7: {ready} events, {unread} bytes unread");
    Ok(())
    // ANCHOR_END: drain
}
