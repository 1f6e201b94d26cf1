//! # Exercise `chat-client`: the chat room's client (book: ch2/chat-client.md)
//!
//! Two things happen at once in a chat client: the user types, and messages
//! arrive. Reading a line from the keyboard blocks; so does `recv_from`. One
//! thread cannot wait for both, so [`run`] uses two: a receiving thread that
//! prints whatever the server sends, beside the thread that reads the
//! keyboard and sends. (The seed starts a second *process* for this; a thread
//! is enough, and simpler: see the book.)
//!
//! - [`login`]: `LOGIN name`, then wait for `OK` or `FAIL`, within a timeout.
//! - [`run`]: the conversation, until the user types `exit` or input ends.

use super::chat_protocol::{FAIL, NameError, OK, Request, check_name, check_text};
use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// ANCHOR: constants
/// How long the `chat-client` program waits for the answer to `LOGIN`.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(2);

/// How often the receiving thread stops waiting for a datagram to see
/// whether it should stop: the longest [`run`] takes to return after `exit`.
pub const POLL: Duration = Duration::from_millis(100);

/// The line that leaves the room.
pub const EXIT_COMMAND: &str = "exit";
// ANCHOR_END: constants

// ANCHOR: error
/// What can go wrong for the client.
#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    /// The name breaks the room's rules: checked before anything is sent.
    #[error("the name {name:?} cannot be used: {reason}")]
    BadName { name: String, reason: NameError },
    /// The server answered `FAIL`.
    #[error("the server refused the name {name:?}: someone has it already, or it is reserved")]
    Refused { name: String },
    /// No answer to `LOGIN` in time: lost, or no server listening.
    #[error("no answer from {server} within {waited:?}: lost, or no server there")]
    NoReply {
        server: SocketAddr,
        waited: Duration,
    },
    /// The server answered something else than `OK` or `FAIL`.
    #[error("the server answered {reply:?} instead of OK or FAIL")]
    BadReply { reply: String },
    /// The socket, the input or the output failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}
// ANCHOR_END: error

// ANCHOR: login
/// Joins the room at `server` as `name`, from `socket`.
///
/// Checks the name first ([`check_name`]: [`ChatError::BadName`], and then
/// nothing is sent). Sends `LOGIN name` and waits, at most `timeout` in all,
/// for the answer from `server`: `OK` → `Ok(())`, `FAIL` →
/// [`ChatError::Refused`], anything else → [`ChatError::BadReply`], nothing
/// in time → [`ChatError::NoReply`]. Datagrams from other addresses are
/// ignored, without extending the wait. Sets `socket`'s read timeout.
pub fn login(
    socket: &UdpSocket,
    server: SocketAddr,
    name: &str,
    timeout: Duration,
) -> Result<(), ChatError> {
    check_name(name).map_err(|reason| ChatError::BadName {
        name: name.to_string(),
        reason,
    })?;
    let request = Request::Login {
        name: name.to_string(),
    };
    socket.send_to(request.encode().as_bytes(), server)?;

    let no_reply = ChatError::NoReply {
        server,
        waited: timeout,
    };
    let mut buf = vec![0u8; 64 * 1024];
    // One deadline for the whole wait, as in udp-dict's `query`: a stranger's
    // datagrams must not give the server more time.
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(no_reply);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => {
                let reply = &buf[..n];
                return if reply == OK.as_bytes() {
                    Ok(())
                } else if reply == FAIL.as_bytes() {
                    Err(ChatError::Refused {
                        name: name.to_string(),
                    })
                } else {
                    Err(ChatError::BadReply {
                        reply: String::from_utf8_lossy(reply).into_owned(),
                    })
                };
            }
            // Not the server: not our answer.
            Ok(_) => continue,
            Err(e) if is_timeout(&e) => return Err(no_reply),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
// ANCHOR_END: login

// ANCHOR: run
/// Chats in the room at `server` as `name` (already logged in on `socket`)
/// until the user leaves; returns once the receiving thread has stopped.
///
/// - A receiving thread writes each datagram from `server` to `output` as one
///   line (its text, lossily decoded, then `\n`), as it arrives, while the
///   other thread waits for input. Datagrams from other addresses are not
///   the room's, and are not shown.
/// - Each line of `input` is a message: sent as `CHAT name line`. A blank
///   line is skipped. A line that fails [`check_text`] is not sent; instead
///   `not sent: <why>` is written to `output`.
/// - A line that is [`EXIT_COMMAND`] (spaces around it ignored), or the end
///   of `input`, leaves: `EXIT name` is sent, the receiving thread is
///   stopped (within [`POLL`]), and `run` returns `Ok(())`.
///
/// Errors: the socket, the input or the output failed. `EXIT` is sent and
/// the receiving thread stopped in every case.
pub fn run(
    socket: UdpSocket,
    server: SocketAddr,
    name: &str,
    input: impl BufRead,
    output: impl Write + Send,
) -> Result<(), ChatError> {
    // Both threads write to `output`: one line at a time, under the lock.
    let output = Mutex::new(output);
    let stop = AtomicBool::new(false);
    // recv_from returns at least every POLL, so the receiver sees `stop`.
    socket.set_read_timeout(Some(POLL))?;

    // A scope: the receiver borrows the socket, the output and the flag, and
    // the scope does not end before the receiver has. So when `run` returns,
    // nothing is left running.
    thread::scope(|scope| {
        let receiver = scope.spawn(|| receive(&socket, server, &stop, &output));

        let typed = send_typed_lines(&socket, server, name, input, &output);
        // However the typing ended, say goodbye and stop the receiver.
        let goodbye = Request::Exit {
            name: name.to_string(),
        };
        let sent = socket.send_to(goodbye.encode().as_bytes(), server);
        // The flag guards no other data, so the weakest ordering will do.
        stop.store(true, Ordering::Relaxed);
        let received = match receiver.join() {
            Ok(received) => received,
            // The receiver panicked: pass its panic on.
            Err(panic) => std::panic::resume_unwind(panic),
        };

        typed?;
        sent?;
        received?;
        Ok(())
    })
}
// ANCHOR_END: run

/// The keyboard's side: sends each typed line as `CHAT`, until `exit` or
/// the end of input.
fn send_typed_lines<W: Write>(
    socket: &UdpSocket,
    server: SocketAddr,
    name: &str,
    input: impl BufRead,
    output: &Mutex<W>,
) -> Result<(), ChatError> {
    for line in input.lines() {
        let line = line?;
        if line.trim() == EXIT_COMMAND {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        // The server would ignore a bad text without a word: tell the user here.
        if let Err(why) = check_text(&line) {
            let mut out = output.lock().unwrap_or_else(|p| p.into_inner());
            writeln!(out, "not sent: {why}")?;
            out.flush()?;
            continue;
        }
        let message = Request::Chat {
            name: name.to_string(),
            text: line,
        };
        socket.send_to(message.encode().as_bytes(), server)?;
    }
    Ok(())
}

/// The receiving thread: prints each datagram from `server` as a line until
/// `stop` is set.
fn receive<W: Write>(
    socket: &UdpSocket,
    server: SocketAddr,
    stop: &AtomicBool,
    output: &Mutex<W>,
) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => {
                let text = String::from_utf8_lossy(&buf[..n]);
                let mut out = output.lock().unwrap_or_else(|p| p.into_inner());
                writeln!(out, "{text}")?;
                // A person is watching: show it now, not when a buffer fills.
                out.flush()?;
            }
            // Anyone can send to our port; only the server speaks for the room.
            Ok(_) => {}
            // Nothing within POLL: go round and look at `stop` again.
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A read timeout shows up as `WouldBlock` on Linux, `TimedOut` elsewhere.
fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
