//! `chatbot-server` and `chatbot-client`.

use crate::kit::ch1::chatbot;
use anyhow::Context;
use std::io::{self, BufRead, Write};
use std::net::SocketAddr;

/// `chatbot-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
}

/// `chatbot-client --server A`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The chatbot server's address.
    #[arg(long)]
    pub server: SocketAddr,
}

/// Binds, announces the address, and serves until `accept` fails.
pub fn server(args: ServerArgs) -> anyhow::Result<()> {
    let listener = super::listen(args.addr)?;
    chatbot::serve(listener).context("accepting clients")?;
    Ok(())
}

/// Prompts `Me: `, sends each typed line as a question, prints `Bot: ANSWER`;
/// an empty line or the end of input quits.
pub fn client(args: ClientArgs) -> anyhow::Result<()> {
    let mut bot = chatbot::Client::connect(args.server)
        .with_context(|| format!("connecting to the chatbot at {}", args.server))?;
    let stdin = io::stdin();
    let mut stdout = io::stdout();
    loop {
        write!(stdout, "Me: ")?;
        stdout.flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            // End of input (Ctrl-D): end the prompt's line, and quit.
            writeln!(stdout)?;
            return Ok(());
        }
        let question = line.trim_end_matches(['\n', '\r']);
        if question.is_empty() {
            return Ok(());
        }
        let answer = bot.ask(question).context("asking the chatbot")?;
        writeln!(stdout, "Bot: {answer}")?;
    }
}
