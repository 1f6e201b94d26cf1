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
//!
//! The book's page: `ch1/chatbot.md`.

// You will need more: `BufRead`, `Read` and `Write` from std::io, and std::thread.
use std::io::{self, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};

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
    // TODO: the first keyword of KEYWORDS found in the question, ignoring
    // case (the keywords are lowercase), gives the answer; else DEFAULT_ANSWER.
    todo!("answer the question {question:?} from the KEYWORDS table (book: ch1/chatbot.md)")
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
    // TODO: read lines through a BufReader, each read bounded with
    // `take(MAX_LINE as u64 + 1)`; answer each line; handle end of file,
    // lines that are not UTF-8 and lines that are too long.
    todo!(
        "answer the questions of the client at {:?}, one line each (book: ch1/chatbot.md)",
        stream.peer_addr()
    )
}
// ANCHOR_END: handle

// ANCHOR: serve
/// Accepts clients on `listener` forever, and runs [`handle`] for each on a
/// thread of its own, so that a slow or idle client never holds up the
/// others. A failed or panicking conversation ends only its own thread.
///
/// Returns only when `accept` fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    // TODO: accept in a loop; hand each connection to `handle` on a new
    // thread, and report (don't propagate) that thread's error.
    todo!(
        "serve many chatbot clients at once on {:?} (book: ch1/chatbot.md)",
        listener.local_addr()
    )
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
        // TODO: refuse a question with a newline; send it with its '\n';
        // read one answer line (bounded), and strip its line ending.
        let _ = (&mut self.reader, &mut self.writer);
        todo!("ask the chatbot {question:?} and read its answer (book: ch1/chatbot.md)")
    }
}
// ANCHOR_END: client
