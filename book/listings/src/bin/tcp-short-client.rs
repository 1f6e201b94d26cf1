//! A TCP client for `tcp-short-server` (the seed's §1.3.3, example 02): a new
//! connection for every line typed on standard input. An empty line, or the
//! end of input (Ctrl-D), quits.
//!
//! Usage: `tcp-short-client [SERVER]`, SERVER defaulting to `127.0.0.1:8888`.

// ANCHOR: all
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    // Report a failure (no such address, port in use, …) in words, not as a
    // debug dump, and exit with a non-zero status.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tcp-short-client: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());

    let interactive = io::stdin().is_terminal();
    let mut lines = io::stdin().lock().lines();
    loop {
        if interactive {
            print!("> ");
            io::stdout().flush()?;
        }
        let line = match lines.next() {
            Some(line) => line?,
            None => break, // end of input
        };
        if line.is_empty() {
            break;
        }
        let reply = ask(&server, &line)?;
        println!("server replied: {reply}");
    }
    Ok(())
}

// ANCHOR: ask
/// One short connection: connect, send, say "done", read the reply, close.
fn ask(server: &str, message: &str) -> io::Result<String> {
    let mut stream = TcpStream::connect(server)?;
    // A server that never answers must not hang the client.
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(message.as_bytes())?;
    // Half close: we will send nothing more, so the server's read returns 0
    // once it has the whole message. We can still read its reply.
    stream.shutdown(Shutdown::Write)?;
    // The server closes after replying: read to the end of the stream.
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
    // `stream` is dropped here: the connection is closed.
}
// ANCHOR_END: ask
// ANCHOR_END: all
