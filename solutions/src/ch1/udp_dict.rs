//! # Exercise `udp-dict`: a dictionary over UDP (book: ch1/udp-dict.md)
//!
//! A client sends one word in one datagram; the server looks it up in a
//! SQLite table and replies with one datagram: the meaning, `Not Found`, or a
//! line starting `Error: ` when the request was bad.
//!
//! - [`Dictionary`]: the `words` table (given), and [`Dictionary::lookup`].
//! - [`reply_for`]: the whole protocol decision, as a pure function.
//! - [`serve`]: the server loop around it.
//! - [`query`]: the client side: one word out, one reply back, or a timeout.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

// ANCHOR: limits
/// The longest word the server looks up, in bytes (after trimming). Longer
/// input gets an `Error: ` reply instead of a database query.
pub const MAX_WORD: usize = 64;

/// The largest request datagram the server accepts, in bytes. It receives
/// into a buffer one byte larger, so that a longer datagram is *detected*
/// (and refused) rather than silently cut to this size.
pub const MAX_DATAGRAM: usize = 1024;

/// The reply for a well-formed word that is not in the dictionary.
pub const NOT_FOUND: &str = "Not Found";

/// How long the client program waits for a reply before giving up.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);
// ANCHOR_END: limits

/// What can go wrong with the dictionary itself.
#[derive(Debug, thiserror::Error)]
pub enum DictError {
    /// SQLite refused: a missing file or table, a locked or corrupt database.
    #[error("the dictionary database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A line of the word list is not `word<TAB>meaning`.
    #[error("line {line} of the word list is not `word<TAB>meaning`: {text:?}")]
    BadLine {
        /// The line's number, counting from 1.
        line: usize,
        /// The line as it was.
        text: String,
    },
}

// ANCHOR: dictionary
/// The dictionary: a SQLite database holding one table,
/// `words(word TEXT PRIMARY KEY, meaning TEXT NOT NULL)`, words in lowercase.
pub struct Dictionary {
    conn: Connection,
}
// ANCHOR_END: dictionary

impl Dictionary {
    /// Creates the database file at `path` and fills the `words` table from
    /// `tsv`: one `word<TAB>meaning` per line; blank lines are skipped, words
    /// are stored trimmed and lowercased. Fails if the table already exists.
    pub fn create(path: &Path, tsv: &str) -> Result<Self, DictError> {
        Self::fill(Connection::open(path)?, tsv)
    }

    /// Opens an existing dictionary at `path`, read-only: the server never
    /// writes to it. Fails if the file does not exist.
    pub fn open(path: &Path) -> Result<Self, DictError> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        Ok(Dictionary { conn })
    }

    /// A dictionary that lives in memory only, filled from `tsv` as in
    /// [`Dictionary::create`]: for tests.
    pub fn in_memory(tsv: &str) -> Result<Self, DictError> {
        Self::fill(Connection::open_in_memory()?, tsv)
    }

    /// How many words the table holds.
    pub fn word_count(&self) -> Result<usize, DictError> {
        let count: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM words", [], |row| row.get(0))?;
        Ok(count.try_into().unwrap_or(0))
    }

    fn fill(mut conn: Connection, tsv: &str) -> Result<Self, DictError> {
        // One transaction: the table appears whole or not at all, and SQLite
        // writes to disk once instead of once per word.
        let tx = conn.transaction()?;
        tx.execute(
            "CREATE TABLE words (word TEXT PRIMARY KEY, meaning TEXT NOT NULL)",
            [],
        )?;
        {
            let mut insert = tx.prepare("INSERT INTO words (word, meaning) VALUES (?1, ?2)")?;
            for (index, text) in tsv.lines().enumerate() {
                if text.trim().is_empty() {
                    continue;
                }
                let bad_line = || DictError::BadLine {
                    line: index + 1,
                    text: text.to_string(),
                };
                let (word, meaning) = text.split_once('\t').ok_or_else(bad_line)?;
                let (word, meaning) = (word.trim().to_lowercase(), meaning.trim());
                if word.is_empty() || meaning.is_empty() {
                    return Err(bad_line());
                }
                insert.execute((word, meaning))?;
            }
        }
        tx.commit()?;
        Ok(Dictionary { conn })
    }

    // ANCHOR: lookup
    /// The meaning of `word`, exactly as given (no trimming, no lowercasing:
    /// that is [`reply_for`]'s job), or `None` when the table has no such word.
    ///
    /// The word travels to SQLite as a *parameter*, never pasted into the SQL
    /// text, so no input can change what the query does.
    pub fn lookup(&self, word: &str) -> Result<Option<String>, DictError> {
        // `?1` is a placeholder: SQLite compiles the query first, then binds
        // the word as a value. A word like `x' OR '1'='1` is just a word that
        // is not in the table.
        let meaning = self
            .conn
            .query_row("SELECT meaning FROM words WHERE word = ?1", [word], |row| {
                row.get(0)
            })
            // No row is not an error here: it is the answer "not found".
            .optional()?;
        Ok(meaning)
    }
    // ANCHOR_END: lookup
}

// ANCHOR: reply_for
/// The reply to one request datagram: the whole protocol, with no socket.
///
/// The datagram should hold one word in UTF-8. Surrounding whitespace is
/// ignored and case does not matter (`"  Apple\n"` asks for `apple`).
/// - a known word: its meaning;
/// - an unknown word: exactly [`NOT_FOUND`];
/// - not UTF-8, empty or only whitespace, or a word longer than [`MAX_WORD`]
///   bytes: a reply starting `Error: ` that says what was wrong;
/// - a database failure: a reply starting `Error: `, never a panic.
pub fn reply_for(dict: &Dictionary, datagram: &[u8]) -> String {
    // Anything can arrive in a datagram: check it before trusting it.
    let Ok(text) = std::str::from_utf8(datagram) else {
        return "Error: the word is not valid UTF-8".to_string();
    };
    let word = text.trim();
    if word.is_empty() {
        return "Error: empty word".to_string();
    }
    if word.len() > MAX_WORD {
        return format!("Error: word longer than {MAX_WORD} bytes");
    }
    match dict.lookup(&word.to_lowercase()) {
        Ok(Some(meaning)) => meaning,
        Ok(None) => NOT_FOUND.to_string(),
        // The client cannot fix this, but it deserves an answer rather than
        // silence (it would wait out its timeout and try again).
        Err(e) => format!("Error: {e}"),
    }
}
// ANCHOR_END: reply_for

// ANCHOR: serve
/// Answers requests on `socket` forever: each datagram gets one reply datagram
/// ([`reply_for`]) sent back to the address it came from. A datagram longer
/// than [`MAX_DATAGRAM`] bytes is refused with `Error: datagram too long`,
/// never cut short and looked up. Bad requests and failed sends concern one
/// client only; the server goes on serving the others.
///
/// Returns only when receiving fails.
pub fn serve(socket: UdpSocket, dict: Dictionary) -> io::Result<()> {
    // One byte more than we accept: recv_from fills at most the buffer and
    // drops the rest of a longer datagram without telling us, so a full
    // buffer is the only sign that the datagram was too long.
    let mut buf = vec![0u8; MAX_DATAGRAM + 1];
    loop {
        let (n, client) = match socket.recv_from(&mut buf) {
            Ok(received) => received,
            // A signal interrupted the wait: nothing was lost, wait again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let reply = if n > MAX_DATAGRAM {
            format!("Error: datagram too long (more than {MAX_DATAGRAM} bytes)")
        } else {
            reply_for(&dict, &buf[..n])
        };
        // Sending to one client can fail (its address is unreachable, say);
        // that is no reason to stop answering everyone else.
        if let Err(e) = socket.send_to(reply.as_bytes(), client) {
            eprintln!("udp-dict: could not reply to {client}: {e}");
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: query_error
/// Why [`query`] got no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Nothing came back from the server in time. UDP does not resend: the
    /// request or the reply may have been lost, or no server is listening.
    #[error("no reply from {server} within {waited:?}: lost, or no server there")]
    TimedOut {
        /// Where the request went.
        server: SocketAddr,
        /// How long we waited.
        waited: Duration,
    },
    /// The server's reply is not UTF-8 text.
    #[error("the reply from the server is not valid UTF-8")]
    NotUtf8,
    /// Sending or receiving failed.
    #[error("the socket failed: {0}")]
    Io(#[from] io::Error),
}
// ANCHOR_END: query_error

// ANCHOR: query
/// Asks `server` for `word`: sends it as one datagram from `socket`, and
/// returns the text of the reply (a meaning, `Not Found` or `Error: …`).
///
/// Waits at most `timeout` in all, then fails with [`QueryError::TimedOut`].
/// Datagrams from any other address than `server` are ignored (they are not
/// the answer), without extending the wait. Sets `socket`'s read timeout.
pub fn query(
    socket: &UdpSocket,
    server: SocketAddr,
    word: &str,
    timeout: Duration,
) -> Result<String, QueryError> {
    socket.send_to(word.as_bytes(), server)?;
    let timed_out = QueryError::TimedOut {
        server,
        waited: timeout,
    };

    // An IPv4 UDP datagram carries at most 65,507 bytes: a 64 KiB buffer
    // never cuts a reply short.
    let mut buf = vec![0u8; 64 * 1024];
    // One deadline for the whole wait: a stranger's datagram must not give
    // the server more time.
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => {
                return String::from_utf8(buf[..n].to_vec()).map_err(|_| QueryError::NotUtf8);
            }
            // Someone else wrote to our port: not our answer, keep waiting.
            Ok(_) => continue,
            // A read timeout shows up as WouldBlock on Linux, TimedOut elsewhere.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(timed_out);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
// ANCHOR_END: query
