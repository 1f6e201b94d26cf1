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

// You will need more: FAIL, OK, Request, check_name and check_text from
// chat_protocol; Mutex, AtomicBool and thread::scope from std; Instant.
use super::chat_protocol::NameError;
use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

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
    // TODO: check the name; send `LOGIN name`; then receive until a datagram
    // comes from `server` or the deadline passes (set the read timeout to
    // what is left before each recv_from), and turn the answer into a result.
    let _ = socket;
    todo!("log in to {server} as {name:?}, waiting at most {timeout:?} (book: ch2/chat-client.md)")
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
    // TODO: a read timeout of POLL on the socket; in a thread::scope, spawn
    // the receiver (print each datagram from `server`, until a stop flag is
    // set), read and send the typed lines on this thread, then send EXIT,
    // set the flag and join the receiver.
    let _ = (socket, input, output);
    todo!("chat in the room at {server} as {name:?} (book: ch2/chat-client.md)")
}
// ANCHOR_END: run
