//! A question-and-answer server (问答机器人) for many clients at once.
//!
//! The protocol is line-based: a client sends a question as one line of UTF-8
//! text ending in `\n` (a `\r` before it is dropped), and the server sends one
//! line back, the answer. A connection may ask as many questions as it likes;
//! it ends when the client closes it.
//!
//! ```text
//! client: how old are you?\n
//! server: I'm two years old!\n
//! client: 你几岁？\n
//! server: 我2岁啦\n
//! client: what is TCP?\n
//! server: I'm still little, I don't know that yet. (人家还小不知道啦。)\n
//! ```
//!
//! - [`answer`]: the keyword lookup, no network;
//! - [`handle`]: one client's conversation;
//! - [`serve`]: accept clients forever, one thread each;
//! - [`Client`]: the other end.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;

// ANCHOR: table
/// What the bot knows: keyword, answer. Keywords are lowercase (Chinese has
/// no case); the first one that occurs in the question wins, so the order
/// matters. Each English entry is followed by the seed's own (§1.3.5), so the
/// seed's questions get the seed's answers.
pub const KEYWORDS: &[(&str, &str)] = &[
    ("hello", "Hello there!"),
    ("你好", "你好啊！"),
    ("your name", "I'm Xiaomei (小美)."),
    ("叫什么", "我叫小美"),
    ("boy or girl", "I'm a robot!"),
    ("男生女生", "我是机器人啦"),
    ("how old", "I'm two years old!"),
    ("你几岁", "我2岁啦"),
];

/// The answer when no keyword occurs in the question, in both languages.
pub const DEFAULT_ANSWER: &str = "I'm still little, I don't know that yet. (人家还小不知道啦。)";

/// The longest question line the server reads, in bytes, not counting its
/// `\n`. A longer line gets [`TOO_LONG_REPLY`] and the connection is closed.
pub const MAX_LINE: usize = 1024;

/// The reply to a line that is not valid UTF-8 (the connection goes on).
pub const NOT_UTF8_REPLY: &str = "Error: not UTF-8";

/// The reply to a line longer than [`MAX_LINE`] (then the server closes).
pub const TOO_LONG_REPLY: &str = "Error: line too long";
// ANCHOR_END: table

// ANCHOR: answer
/// The answer to `question`: the answer of the first entry of [`KEYWORDS`]
/// whose keyword occurs in the question, ignoring case; [`DEFAULT_ANSWER`]
/// when none does (an empty question included).
pub fn answer(question: &str) -> &'static str {
    // Lowercase the question once; the keywords are lowercase already.
    let question = question.to_lowercase();
    for &(keyword, reply) in KEYWORDS {
        if question.contains(keyword) {
            return reply;
        }
    }
    DEFAULT_ANSWER
}
// ANCHOR_END: answer

// ANCHOR: handle
/// One client's conversation: reads question lines until the client closes
/// the connection, and writes one answer line (ending in `\n`) for each.
///
/// - A line is at most [`MAX_LINE`] bytes (not characters: 你 is 3 bytes)
///   before its `\n`; a `\r` just before the `\n` is dropped. A last line
///   without `\n` (the client closed right after it) is answered too.
/// - A line that is not UTF-8 gets [`NOT_UTF8_REPLY`], and the conversation
///   goes on.
/// - A line longer than [`MAX_LINE`] gets [`TOO_LONG_REPLY`], and the
///   connection is closed: reading never holds more than `MAX_LINE + 1` bytes
///   of a line, however long the client's line is.
///
/// Returns `Ok(())` when the conversation ends, an error when the connection
/// fails.
pub fn handle(stream: TcpStream) -> io::Result<()> {
    // Reads go through a buffer; writes go straight to the socket. Both use
    // `&TcpStream`, which implements Read and Write, so no clone is needed.
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    // One more byte than a line may hold: reading it means "too long".
    let limit = MAX_LINE as u64 + 1;
    loop {
        // Bytes, not a `String` (`read_line`): the limit may cut a character
        // of a long Chinese line in two, and that line is too long, not
        // "not UTF-8". We decide what the bytes are once we have them.
        let mut line = Vec::new();
        // `take` bounds this read: a client sending one endless line gets at
        // most `limit` bytes of our memory, never all of it.
        let n = reader.by_ref().take(limit).read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(()); // the client closed the connection
        }
        if line.ends_with(b"\n") {
            line.pop();
            if line.ends_with(b"\r") {
                line.pop();
            }
        } else if n as u64 == limit {
            // The limit stopped the read before any `\n`: the line is too
            // long. We cannot find where it ends without reading it all, so
            // we say why and close.
            writer.write_all(format!("{TOO_LONG_REPLY}\n").as_bytes())?;
            return Ok(());
        }
        let reply = match std::str::from_utf8(&line) {
            Ok(question) => answer(question),
            Err(_) => NOT_UTF8_REPLY,
        };
        // The answer and its `\n` in one write: one segment, not two.
        writer.write_all(format!("{reply}\n").as_bytes())?;
    }
}
// ANCHOR_END: handle

// ANCHOR: serve
/// Accepts clients on `listener` forever, and runs [`handle`] for each on a
/// thread of its own, so that a slow or idle client never holds up the
/// others. A failed or panicking conversation ends only its own thread.
///
/// Returns only when `accept` fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept()?;
        // `thread::spawn` would panic if the system refused a new thread;
        // the Builder returns an error instead, and we drop that one client
        // (closing its connection) rather than the whole server.
        let spawned = thread::Builder::new()
            .name(format!("chatbot {peer}"))
            .spawn(move || {
                if let Err(e) = handle(stream) {
                    eprintln!("chatbot: client {peer}: {e}");
                }
            });
        if let Err(e) = spawned {
            eprintln!("chatbot: no thread for client {peer}: {e}");
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: client
/// The client's end of a connection to the chatbot.
pub struct Client {
    /// Answers are read through a buffer…
    reader: BufReader<TcpStream>,
    /// …and questions written straight to the socket (a clone of the same
    /// connection).
    writer: TcpStream,
}

impl Client {
    /// Connects to the chatbot at `addr` (given).
    pub fn connect(addr: SocketAddr) -> io::Result<Client> {
        let writer = TcpStream::connect(addr)?;
        let reader = BufReader::new(writer.try_clone()?);
        Ok(Client { reader, writer })
    }

    /// Sends `question` as one line and returns the answer line, without its
    /// `\n` (and without a `\r` before it).
    ///
    /// Errors (of kind):
    /// - `InvalidInput` when the question contains `\n` (nothing is sent);
    /// - `UnexpectedEof` when the server closes before a whole answer line;
    /// - `InvalidData` when the answer is longer than [`MAX_LINE`] bytes or
    ///   not UTF-8;
    /// - any error of the connection.
    pub fn ask(&mut self, question: &str) -> io::Result<String> {
        if question.contains('\n') {
            // It would arrive as two questions and get two answers.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a question must fit on one line",
            ));
        }
        self.writer.write_all(format!("{question}\n").as_bytes())?;

        // The server is a peer too: bound what we read from it.
        let mut line = Vec::new();
        let limit = MAX_LINE as u64 + 1;
        self.reader
            .by_ref()
            .take(limit)
            .read_until(b'\n', &mut line)?;
        if !line.ends_with(b"\n") {
            return Err(if line.len() as u64 == limit {
                io::Error::new(io::ErrorKind::InvalidData, "the answer is too long")
            } else {
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection without a whole answer",
                )
            });
        }
        line.pop();
        if line.ends_with(b"\r") {
            line.pop();
        }
        String::from_utf8(line)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the answer is not UTF-8"))
    }
}
// ANCHOR_END: client
