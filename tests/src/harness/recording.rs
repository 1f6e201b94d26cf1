//! A TCP server played by the test, for testing clients.

use super::{STEP, TIMEOUT, loopback_listener};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::time::Instant;

/// Accepts one connection on `127.0.0.1:0`, records every byte the client
/// sends until the client closes its writing half (end of file), then sends
/// a fixed reply and closes. Every step is bounded by [`TIMEOUT`]: a client
/// that never connects or never closes its writing half is recorded as such.
///
/// ```ignore
/// let server = RecordingServer::start(b"OK 5\n");
/// /* run the client under test against server.addr() */
/// let recording = server.finish();
/// assert!(recording.saw_end_of_file);
/// ```
pub struct RecordingServer {
    addr: SocketAddr,
    done: Receiver<Recording>,
}

/// What one client did to a [`RecordingServer`].
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// Whether a client connected at all.
    pub connected: bool,
    /// Every byte it sent, in order.
    pub received: Vec<u8>,
    /// Whether it closed its writing half (`shutdown(Write)` or close)
    /// within [`TIMEOUT`]; the reply is sent either way.
    pub saw_end_of_file: bool,
}

impl RecordingServer {
    /// Starts listening; the reply goes out once the client's end of file
    /// has been read (or [`TIMEOUT`] has passed without it).
    pub fn start(reply: &[u8]) -> Self {
        let listener = loopback_listener();
        let addr = listener
            .local_addr()
            .expect("a bound socket has an address");
        let reply = reply.to_vec();
        let (tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("RecordingServer".to_string())
            .spawn(move || {
                let deadline = Instant::now() + TIMEOUT;
                listener
                    .set_nonblocking(true)
                    .expect("setting the listener non-blocking");
                let stream = loop {
                    match listener.accept() {
                        Ok((stream, _)) => break Some(stream),
                        Err(e)
                            if e.kind() == io::ErrorKind::WouldBlock
                                && Instant::now() < deadline =>
                        {
                            std::thread::park_timeout(STEP);
                        }
                        Err(_) => break None,
                    }
                };
                let recording = match stream {
                    Some(stream) => record(stream, &reply, deadline),
                    None => Recording::default(),
                };
                // The test may have failed and gone already.
                let _ = tx.send(recording);
            })
            .expect("the OS refused to start a thread");
        RecordingServer { addr, done }
    }

    /// Where the client under test connects.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Waits (within [`TIMEOUT`], plus a little) for the conversation to end
    /// and returns what the client did.
    #[track_caller]
    pub fn finish(self) -> Recording {
        self.done
            .recv_timeout(TIMEOUT + STEP * 10)
            .expect("the RecordingServer's thread stopped without a recording")
    }
}

fn record(mut stream: TcpStream, reply: &[u8], deadline: Instant) -> Recording {
    let mut recording = Recording {
        connected: true,
        ..Recording::default()
    };
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(STEP));
    let mut chunk = [0u8; 8192];
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => {
                recording.saw_end_of_file = true;
                break;
            }
            Ok(n) => recording.received.extend_from_slice(&chunk[..n]),
            Err(e) if super::liveness::is_timeout(&e) => {}
            Err(_) => break,
        }
    }
    let _ = stream.write_all(reply);
    recording
}
