//! # Exercise `chat-server`: the chat room's server (book: ch2/chat-server.md)
//!
//! One UDP socket, one loop, one [`Room`]. The protocol is in
//! [`chat_protocol`](super::chat_protocol): `LOGIN`, `CHAT`, `EXIT` come in;
//! `OK`/`FAIL` and notices go out.
//!
//! Who is speaking is decided by the **sender's address**, never by the name
//! written in the datagram: a member is an address with a name, and a `CHAT`
//! or `EXIT` is obeyed only when it comes from the address that logged in
//! under that name. (The seed believes the name, so anybody can speak, or
//! leave, for anybody else.)
//!
//! - [`Room`]: the members, and what each request makes the server send.
//! - [`Announcer`]: how the operator's announcements, typed on another
//!   thread, reach the loop that owns the socket: a channel, and an empty
//!   datagram to wake the loop up.
//! - [`serve`]: the loop.

// You will need more from chat_protocol: FAIL, OK, Notice, check_name,
// check_text, parse_request, MAX_DATAGRAM.
use super::chat_protocol::{Request, TextError};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::mpsc::{self, Receiver, Sender};

// ANCHOR: room
/// One datagram for the server to send: where to, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to: SocketAddr,
    pub text: String,
}

/// The chat room: who is in it. Each member is an address with a name; the
/// address is who they are, the name is what the others see. No two members
/// share a name, and an address is in the room at most once.
#[derive(Debug, Default)]
pub struct Room {
    members: HashMap<SocketAddr, String>,
}
// ANCHOR_END: room

impl Room {
    /// An empty room.
    pub fn new() -> Self {
        Room::default()
    }

    /// The name of the member at `addr`, if that address is in the room.
    pub fn name_of(&self, addr: SocketAddr) -> Option<&str> {
        self.members.get(&addr).map(String::as_str)
    }

    /// How many members the room has.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the room has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    // ANCHOR: handle
    /// What the server sends in answer to `request` from `from`: the whole
    /// protocol, with no socket.
    pub fn handle(&mut self, from: SocketAddr, request: Request) -> Vec<Outgoing> {
        match request {
            Request::Login { name } => self.login(from, &name),
            Request::Chat { name, text } => self.chat(from, &name, &text),
            Request::Exit { name } => self.exit(from, &name),
        }
    }
    // ANCHOR_END: handle

    // ANCHOR: login
    /// `LOGIN name` from `from`.
    ///
    /// - `from` is already a member: [`OK`] to `from` if `name` is the name it
    ///   has (a retry: the first `OK` may have been lost), else [`FAIL`];
    ///   nothing changes, and nobody else is told.
    /// - `name` fails [`check_name`] (empty, too long, spaces, reserved), or
    ///   another member has it: [`FAIL`] to `from`.
    /// - Otherwise `from` joins as `name`: [`OK`] to `from`, and
    ///   [`Notice::Joined`] to every *other* member.
    pub fn login(&mut self, from: SocketAddr, name: &str) -> Vec<Outgoing> {
        // TODO: already a member at `from`? (OK for the same name, FAIL for
        // another.) A bad or taken name? (FAIL.) Otherwise: OK to `from`, a
        // Joined notice to each other member, and then add the newcomer.
        todo!("let {from} join as {name:?}, or refuse (book: ch2/chat-server.md)")
    }
    // ANCHOR_END: login

    // ANCHOR: chat
    /// `CHAT name text` from `from`: when `from` is the member called `name`,
    /// [`Notice::Message`] to every other member (never back to the speaker).
    /// Otherwise, a spoofed or stale request: nothing at all.
    pub fn chat(&self, from: SocketAddr, name: &str, text: &str) -> Vec<Outgoing> {
        // TODO: is `from` the member called `name`? Then a Message notice to
        // every member except `from`; otherwise nothing.
        todo!("pass on {text:?} from {name:?} at {from}, or ignore it (book: ch2/chat-server.md)")
    }
    // ANCHOR_END: chat

    // ANCHOR: exit
    /// `EXIT name` from `from`: when `from` is the member called `name`, it
    /// leaves, and every remaining member gets [`Notice::Left`]. Otherwise
    /// nothing changes and nothing is sent.
    pub fn exit(&mut self, from: SocketAddr, name: &str) -> Vec<Outgoing> {
        // TODO: is `from` the member called `name`? Then remove it, and a Left
        // notice to every member left; otherwise nothing.
        todo!("let {name:?} at {from} leave, or ignore it (book: ch2/chat-server.md)")
    }
    // ANCHOR_END: exit

    // ANCHOR: announce
    /// The administrator's announcement `text`: [`Notice::Announcement`] to
    /// every member.
    pub fn announce(&self, text: &str) -> Vec<Outgoing> {
        // TODO: an Announcement notice to every member.
        todo!("announce {text:?} to every member (book: ch2/chat-server.md)")
    }
    // ANCHOR_END: announce
}

// ANCHOR: announcer
/// Why an announcement was not made.
#[derive(Debug, thiserror::Error)]
pub enum AnnounceError {
    #[error("not announced: {0}")]
    BadText(#[from] TextError),
    #[error("not announced: the server has stopped")]
    ServerGone,
    #[error("could not wake the server up: {0}")]
    Io(#[from] io::Error),
}

/// The operator's side of the announcements, for another thread than the
/// server's loop (the one reading the operator's keyboard).
///
/// The loop is blocked in `recv_from` most of the time; a channel alone would
/// not wake it. So [`Announcer::announce`] does two things: it puts the text
/// in the channel, then sends an *empty* datagram to the server's own socket.
/// `recv_from` returns, and the loop looks in the channel. The wake-up
/// carries nothing: forging one achieves nothing either.
pub struct Announcer {
    /// The channel to the loop: [`serve`] holds the other end.
    sender: Sender<String>,
    /// A clone of the server's own socket, to send the wake-up from.
    socket: UdpSocket,
    /// Where the server's socket can be reached.
    server: SocketAddr,
}
// ANCHOR_END: announcer

impl Announcer {
    /// An announcer for the server that will run on `server_socket`, and the
    /// receiving end of its channel, for [`serve`].
    pub fn new(server_socket: &UdpSocket) -> io::Result<(Announcer, Receiver<String>)> {
        let socket = server_socket.try_clone()?;
        let server = reachable(socket.local_addr()?);
        let (sender, receiver) = mpsc::channel();
        let announcer = Announcer {
            sender,
            socket,
            server,
        };
        Ok((announcer, receiver))
    }

    // ANCHOR: announce_fn
    /// Makes the server send `text` to every member as an announcement.
    ///
    /// `text` must pass [`check_text`] ([`AnnounceError::BadText`]). It goes
    /// into the channel (the loop gone: [`AnnounceError::ServerGone`]), and
    /// then an empty datagram goes to the server's socket to wake its loop.
    pub fn announce(&self, text: &str) -> Result<(), AnnounceError> {
        // TODO: check the text; send it on the channel (an error there means
        // the receiver, the server's loop, is gone); then wake the loop with
        // an empty datagram to the server's socket.
        let _ = (&self.sender, &self.socket, self.server);
        todo!("announce {text:?} to the room (book: ch2/chat-server.md)")
    }
    // ANCHOR_END: announce_fn
}

/// Where to send a datagram to reach a socket bound at `bound`: a socket
/// bound to "any address" (`0.0.0.0`, `::`) is reached through loopback.
fn reachable(bound: SocketAddr) -> SocketAddr {
    let ip = match bound.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bound.port())
}

// ANCHOR: serve
/// Runs the chat room on `socket` forever.
///
/// Each datagram (received into a buffer of [`MAX_DATAGRAM`]` + 1` bytes, so
/// that a longer one is noticed) is parsed with
/// [`parse_request`](super::chat_protocol::parse_request) and handled by a
/// [`Room`]; every [`Outgoing`] datagram is sent. A malformed or oversized
/// datagram is ignored (logged on stderr), and an empty one is an
/// [`Announcer`]'s wake-up. After every datagram, whatever it was, each
/// announcement waiting in `announcements` is sent to every member.
///
/// A failed send concerns one member only: the loop goes on. Returns only
/// when receiving fails.
pub fn serve(socket: UdpSocket, announcements: Receiver<String>) -> io::Result<()> {
    // TODO: a Room and a buffer of MAX_DATAGRAM + 1 bytes; loop: recv_from;
    // unless the datagram is empty, parse it and send what room.handle
    // returns (or log why it was ignored); then send every announcement
    // waiting in the channel (try_recv, never recv).
    let _ = announcements;
    todo!("run the chat room on {socket:?} (book: ch2/chat-server.md)")
}
// ANCHOR_END: serve
