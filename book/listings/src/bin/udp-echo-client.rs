//! A UDP client for `udp-echo-server` (the seed's §1.2.3): sends each line
//! typed on standard input as one datagram and prints the reply. An empty
//! line, or the end of input (Ctrl-D), quits.
//!
//! Usage: `udp-echo-client [SERVER]`, SERVER defaulting to `127.0.0.1:8888`.

// ANCHOR: all
use std::io::{self, BufRead, IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // Report a failure (no such address, port in use, …) in words, not as a
    // debug dump, and exit with a non-zero status.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("udp-echo-client: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let server: SocketAddr = server
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::other(format!("{server}: no such address")))?;

    // ANCHOR: socket
    // A client binds too, to port 0: any free port will do, since the server
    // learns our address from each datagram. Bind the same IP family as the
    // server's address (IPv4 or IPv6).
    let local = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(local)?;
    // UDP may lose the request or the reply: never wait for ever.
    socket.set_read_timeout(Some(Duration::from_secs(3)))?;
    // ANCHOR_END: socket

    let interactive = io::stdin().is_terminal();
    let mut lines = io::stdin().lock().lines();
    let mut buffer = [0u8; 1024];
    loop {
        if interactive {
            print!("> ");
            io::stdout().flush()?;
        }
        let line = match lines.next() {
            Some(line) => line?,
            None => break, // end of input
        };
        if line.is_empty() {
            break;
        }

        // ANCHOR: exchange
        socket.send_to(line.as_bytes(), server)?;
        match socket.recv_from(&mut buffer) {
            // Anyone may send us a datagram: `from` says who did.
            Ok((len, from)) => {
                let reply = String::from_utf8_lossy(&buffer[..len]);
                println!("{from} replied: {reply}");
            }
            Err(err) if is_timeout(&err) => {
                println!("no reply within 3 s: is the server running?");
            }
            Err(err) => return Err(err),
        }
        // ANCHOR_END: exchange
    }
    Ok(())
}

/// A read that timed out fails with `WouldBlock` on Unix, `TimedOut` on Windows.
fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
// ANCHOR_END: all
