//! # Exercise `chat-protocol`: the chat room's datagrams (book: ch2/chat-protocol.md)
//!
//! The chat room (群聊聊天室) speaks the seed's protocol over UDP, unchanged,
//! so that a client written to the seed talks to our server. Every message is
//! one datagram of UTF-8 text, at most [`MAX_DATAGRAM`] bytes.
//!
//! ## Requests: client → server
//!
//! ```text
//! LOGIN <name>           ask to join under <name>; the server answers OK or FAIL
//! CHAT <name> <text>     say <text> to everyone else in the room (no answer)
//! EXIT <name>            leave the room (no answer)
//! ```
//!
//! The command is case-sensitive and followed by one space. A name has no
//! spaces, so in `CHAT` the first space after the name starts the text, and
//! the text may hold spaces of its own. One trailing `\n` (or `\r\n`) is
//! ignored, so a request typed into `nc -u` works too.
//!
//! ## Replies and notices: server → client
//!
//! ```text
//! OK                     LOGIN accepted: you are in the room
//! FAIL                   LOGIN refused: the name is taken, invalid or reserved
//! 欢迎 <name> 进入聊天室   <name> joined          (to everyone else)
//! <name> 退出聊天室        <name> left            (to everyone else)
//! <name> : <text>        <name> said <text>     (to everyone but <name>)
//! 管理员消息 : <text>     the administrator's announcement (to everyone)
//! ```
//!
//! These are the seed's exact texts (管理员消息 means "administrator's message";
//! 欢迎 … 进入聊天室, "welcome … to the chat room"; 退出聊天室, "left the chat
//! room"). A client prints each datagram it gets as one line.
//!
//! ## Limits
//!
//! A name: 1 to [`MAX_NAME`] bytes, no whitespace, no control characters, and
//! not reserved ([`is_reserved`]). A text: not blank, at most [`MAX_TEXT`]
//! bytes, no control characters (a newline in a text could fake a second
//! line on everybody's screen, such as an announcement). A request longer
//! than [`MAX_DATAGRAM`] bytes is refused as a whole.
//!
//! - [`check_name`], [`check_text`]: the rules for names and texts.
//! - [`parse_request`]: one datagram → a [`Request`], or why it is malformed.
//! - [`Request::encode`]: the other way, for the client.
//! - [`Notice::text`]: what the server sends for each event.

// ANCHOR: limits
/// The largest datagram of the protocol, in bytes (the seed's `recvfrom(1024)`).
/// A longer request is refused whole, never cut and then obeyed.
pub const MAX_DATAGRAM: usize = 1024;

/// The longest name, in bytes (a Chinese character takes 3 bytes in UTF-8).
pub const MAX_NAME: usize = 32;

/// The longest text of a message or an announcement, in bytes: what is left
/// of a datagram after `CHAT `, the longest name and a space. So every valid
/// `CHAT` request fits in [`MAX_DATAGRAM`].
pub const MAX_TEXT: usize = MAX_DATAGRAM - "CHAT ".len() - MAX_NAME - " ".len();

/// The name under which announcements appear: `管理员消息 : <text>`.
pub const ADMIN_NAME: &str = "管理员消息";

/// The server's answer to an accepted `LOGIN`.
pub const OK: &str = "OK";

/// The server's answer to a refused `LOGIN`.
pub const FAIL: &str = "FAIL";
// ANCHOR_END: limits

// ANCHOR: request
/// One request, as parsed from a datagram. The name inside is only what the
/// sender *claims*: the server decides who is speaking by the sender's
/// address (see `chat_server`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `LOGIN <name>`: join the room. The name is not checked by
    /// [`parse_request`]: a bad name is the server's to refuse with `FAIL`.
    Login { name: String },
    /// `CHAT <name> <text>`: say `text` to the others.
    Chat { name: String, text: String },
    /// `EXIT <name>`: leave the room.
    Exit { name: String },
}
// ANCHOR_END: request

// ANCHOR: errors
/// Why a name cannot be used in the room.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than {MAX_NAME} bytes")]
    TooLong,
    #[error("the name contains {0:?}: no spaces or control characters")]
    BadChar(char),
    #[error("the name is reserved for the administrator")]
    Reserved,
}

/// Why a text cannot be sent to the room.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is blank")]
    Blank,
    #[error("the text is longer than {MAX_TEXT} bytes")]
    TooLong,
    #[error("the text contains the control character {0:?}")]
    BadChar(char),
}

/// Why a datagram is not a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the datagram is {len} bytes long, more than {MAX_DATAGRAM}")]
    TooLong { len: usize },
    #[error("the datagram is not valid UTF-8")]
    NotUtf8,
    #[error("the datagram is empty")]
    Empty,
    #[error("unknown command {0:?}: expected LOGIN, CHAT or EXIT")]
    UnknownCommand(String),
    #[error("CHAT needs a name and a text: `CHAT <name> <text>`")]
    ChatWithoutText,
    #[error("bad text: {0}")]
    BadText(#[from] TextError),
}
// ANCHOR_END: errors

// ANCHOR: is_reserved
/// Whether `name` is kept for the administrator: any name containing `管理`
/// ("manage", the seed's own rule, which also stops look-alikes such as
/// `管理员`), and `admin` in any ASCII case.
pub fn is_reserved(name: &str) -> bool {
    name.contains("管理") || name.eq_ignore_ascii_case("admin")
}
// ANCHOR_END: is_reserved

// ANCHOR: check_name
/// Checks a name against the room's rules, in this order: not empty
/// ([`NameError::Empty`]), at most [`MAX_NAME`] bytes ([`NameError::TooLong`]),
/// no whitespace and no control character (the first one found:
/// [`NameError::BadChar`]), not reserved ([`NameError::Reserved`]).
pub fn check_name(name: &str) -> Result<(), NameError> {
    // TODO: the four checks, in the order of the doc comment: is_empty, len
    // (bytes), chars().find(…) for whitespace or control characters, is_reserved.
    todo!("check the name {name:?} against the room's rules (book: ch2/chat-protocol.md)")
}
// ANCHOR_END: check_name

// ANCHOR: check_text
/// Checks a message's text, in this order: not blank (empty or only
/// whitespace: [`TextError::Blank`]), at most [`MAX_TEXT`] bytes
/// ([`TextError::TooLong`]), no control character such as `\n`, `\r`, `\t`
/// or `\x1b` (the first one found: [`TextError::BadChar`]). Spaces inside,
/// before and after the text are allowed and kept.
pub fn check_text(text: &str) -> Result<(), TextError> {
    // TODO: blank once trimmed? longer than MAX_TEXT bytes? a control
    // character (char::is_control) anywhere?
    todo!("check the message text {text:?} (book: ch2/chat-protocol.md)")
}
// ANCHOR_END: check_text

// ANCHOR: parse_request
/// Parses one request datagram.
///
/// In this order: longer than [`MAX_DATAGRAM`] → [`RequestError::TooLong`];
/// not UTF-8 → [`RequestError::NotUtf8`]; one trailing `\n` or `\r\n` is
/// dropped; then nothing left → [`RequestError::Empty`]. The command is what
/// comes before the first space (all of it if there is none):
///
/// - `LOGIN`: the name is all the rest, unchecked (it may be empty, or hold
///   spaces: [`check_name`] is the server's business).
/// - `EXIT`: the same, for the name.
/// - `CHAT`: the rest must hold a space: the name before it, the text after
///   it (else [`RequestError::ChatWithoutText`]); the text must pass
///   [`check_text`] ([`RequestError::BadText`]); the name is unchecked.
/// - anything else → [`RequestError::UnknownCommand`] with the command.
pub fn parse_request(datagram: &[u8]) -> Result<Request, RequestError> {
    // TODO: length, then UTF-8, then drop one trailing "\n" or "\r\n"; split
    // off the command at the first space (split_once) and match on it. CHAT
    // splits its rest once more: name, then text (checked with check_text).
    todo!(
        "parse the request datagram {:?} (book: ch2/chat-protocol.md)",
        String::from_utf8_lossy(datagram)
    )
}
// ANCHOR_END: parse_request

impl Request {
    // ANCHOR: encode
    /// The datagram's text for this request, the exact inverse of
    /// [`parse_request`]: `LOGIN <name>`, `CHAT <name> <text>`, `EXIT <name>`,
    /// with one space between the parts and no newline at the end.
    pub fn encode(&self) -> String {
        // TODO: one format! per variant: "LOGIN name", "CHAT name text", "EXIT name".
        todo!("encode the request {self:?} as a datagram's text (book: ch2/chat-protocol.md)")
    }
    // ANCHOR_END: encode
}

// ANCHOR: notice
/// Something the server tells the members of the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// `name` has joined.
    Joined { name: String },
    /// `name` has left.
    Left { name: String },
    /// `name` said `text`.
    Message { name: String, text: String },
    /// The administrator (the server's operator) announces `text`.
    Announcement { text: String },
}
// ANCHOR_END: notice

impl Notice {
    // ANCHOR: notice_text
    /// The datagram's text for this notice, exactly as the seed's server
    /// writes it (no newline at the end):
    ///
    /// - `Joined`: `欢迎 <name> 进入聊天室`
    /// - `Left`: `<name> 退出聊天室`
    /// - `Message`: `<name> : <text>` (a space on each side of the colon)
    /// - `Announcement`: a message from [`ADMIN_NAME`]: `管理员消息 : <text>`
    pub fn text(&self) -> String {
        // TODO: one format! per variant, with the seed's exact texts (copy
        // them from the doc comment above, spaces included).
        todo!("write the text of the notice {self:?} (book: ch2/chat-protocol.md)")
    }
    // ANCHOR_END: notice_text
}
