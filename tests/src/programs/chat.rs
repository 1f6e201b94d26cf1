//! `chat-server` and `chat-client`: the UDP chat room.

use crate::kit::ch2::chat_client::{self, ChatError};
use crate::kit::ch2::chat_server::{self, Announcer};
use anyhow::Context;
use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, UdpSocket};

/// `chat-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
}

/// `chat-client --server A [--name NAME]`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The chat server's address.
    #[arg(long)]
    pub server: SocketAddr,
    /// Your name in the room; asked for at a prompt when not given.
    #[arg(long)]
    pub name: Option<String>,
}

/// Binds, prints `listening on …`, and runs the room. Each line typed on
/// stdin is announced to every member (`管理员消息 : …`); blank lines are
/// skipped. The end of stdin ends the announcements, not the server.
pub fn server(args: ServerArgs) -> anyhow::Result<()> {
    let socket = UdpSocket::bind(args.addr).with_context(|| format!("binding {}", args.addr))?;
    super::announce(socket.local_addr()?)?;
    let (announcer, announcements) = Announcer::new(&socket).context("setting up announcements")?;
    eprintln!("chat-server: type a line and press Enter to announce it to everyone");
    // The keyboard blocks, and so does the socket: one thread each. This one
    // hands each line to the loop through the announcer.
    std::thread::spawn(move || read_announcements(&announcer));
    chat_server::serve(socket, announcements).context("receiving a datagram failed")?;
    Ok(())
}

fn read_announcements(announcer: &Announcer) {
    for line in io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        if let Err(e) = announcer.announce(&line) {
            eprintln!("chat-server: {e}");
        }
    }
}

/// Joins the room (with `--name`, or asking `Name: ` until the server says
/// OK), then chats: typed lines are sent, incoming messages are printed,
/// `exit` or the end of input leaves.
pub fn client(args: ClientArgs) -> anyhow::Result<()> {
    // Port 0: the OS picks our port; the server answers whatever it is.
    let any: SocketAddr = if args.server.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let socket = UdpSocket::bind(any).context("binding a UDP socket")?;
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout();

    let name = match args.name {
        Some(name) => {
            chat_client::login(&socket, args.server, &name, chat_client::LOGIN_TIMEOUT)
                .with_context(|| format!("joining the room at {}", args.server))?;
            name
        }
        None => match ask_name_until_accepted(&socket, args.server, &mut stdin, &mut stdout)? {
            Some(name) => name,
            // End of input before any name was accepted.
            None => return Ok(()),
        },
    };
    writeln!(
        stdout,
        "You are in the room as {name}. Type a message and press Enter; `{}` leaves.",
        chat_client::EXIT_COMMAND
    )?;
    stdout.flush()?;
    chat_client::run(socket, args.server, &name, stdin, io::stdout()).context("chatting failed")?;
    println!("You left the room.");
    Ok(())
}

/// The seed's loop: ask for a name until the server accepts one. `None` at
/// the end of input.
fn ask_name_until_accepted(
    socket: &UdpSocket,
    server: SocketAddr,
    stdin: &mut impl BufRead,
    stdout: &mut impl Write,
) -> anyhow::Result<Option<String>> {
    loop {
        write!(stdout, "Name: ")?;
        stdout.flush()?;
        let mut line = String::new();
        if stdin.read_line(&mut line)? == 0 {
            writeln!(stdout)?;
            return Ok(None);
        }
        let name = line.trim();
        match chat_client::login(socket, server, name, chat_client::LOGIN_TIMEOUT) {
            Ok(()) => return Ok(Some(name.to_string())),
            // The user can fix these: say why, and ask again.
            Err(e @ (ChatError::BadName { .. } | ChatError::Refused { .. })) => {
                writeln!(stdout, "{e}")?;
            }
            Err(e) => return Err(e).with_context(|| format!("joining the room at {server}")),
        }
    }
}
