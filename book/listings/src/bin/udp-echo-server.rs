//! A UDP server that answers every datagram with `Thanks` (the seed's
//! §1.2.3). Run it with `cargo run -p listings --bin udp-echo-server`, then
//! talk to it with `udp-echo-client`.
//!
//! Usage: `udp-echo-server [ADDR]`, ADDR defaulting to `127.0.0.1:8888`.

// ANCHOR: all
use std::io::{self, Write};
use std::net::UdpSocket;
use std::process::ExitCode;

/// The largest payload a UDP datagram can carry is 65 507 bytes (over IPv4);
/// a buffer this big never cuts a datagram short.
const MAX_DATAGRAM: usize = 65_535;

fn main() -> ExitCode {
    // Report a failure (no such address, port in use, …) in words, not as a
    // debug dump, and exit with a non-zero status.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("udp-echo-server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());

    // ANCHOR: bind
    // Create the socket and bind it to an address in one step. Port 0 asks
    // the operating system to pick a free port; `local_addr` tells us which.
    let socket = UdpSocket::bind(&addr)?;
    println!("listening on {}", socket.local_addr()?);
    io::stdout().flush()?;
    // ANCHOR_END: bind

    // ANCHOR: serve
    let mut buffer = vec![0u8; MAX_DATAGRAM];
    loop {
        // One call, one datagram: `len` bytes, and the address they came from.
        let (len, peer) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(err) => {
                // A server keeps serving: report the error and wait for the next.
                eprintln!("receive failed: {err}");
                continue;
            }
        };
        // The bytes may be anything; show them as text where they are text.
        let message = String::from_utf8_lossy(&buffer[..len]);
        println!("from {peer}: {message}");

        // Reply to the address the datagram came from.
        if let Err(err) = socket.send_to(b"Thanks", peer) {
            eprintln!("reply to {peer} failed: {err}");
        }
    }
    // ANCHOR_END: serve
}
// ANCHOR_END: all
