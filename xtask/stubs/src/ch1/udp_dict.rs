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

use rusqlite::{Connection, OpenFlags};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::time::Duration;

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
        // TODO: select `meaning` from the `words` table where `word` equals
        // the parameter `?1`; no row means Ok(None). Never build the SQL text
        // with format!: the word is data, not code.
        todo!(
            "look up {word:?} in the words table with a parameterised query (book: ch1/udp-dict.md)"
        )
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
    // TODO: check the bytes (UTF-8? blank? too long?), normalise the word,
    // then ask `dict.lookup` and turn each outcome into the reply text.
    let _ = dict;
    todo!(
        "decide the reply to the datagram {:?} (book: ch1/udp-dict.md)",
        String::from_utf8_lossy(datagram)
    )
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
    // TODO: loop: recv_from into a buffer of MAX_DATAGRAM + 1 bytes, work out
    // the reply, send_to the sender. Which errors end the loop, which do not?
    let _ = dict;
    todo!("answer word lookups arriving on {socket:?} (book: ch1/udp-dict.md)")
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
    // TODO: send the word to the server, then receive until a datagram comes
    // from `server` or the deadline passes (a read timeout on the socket).
    let _ = socket;
    todo!("ask {server} for {word:?}, waiting at most {timeout:?} (book: ch1/udp-dict.md)")
}
// ANCHOR_END: query
