//! A TCP client for `tcp-echo-server` (the seed's §1.3.3, example 01): one
//! connection for the whole session; each line typed on standard input is
//! sent, and the server's one-line reply printed. An empty line, or the end
//! of input (Ctrl-D), closes the connection and quits.
//!
//! The seed's client ends by sending `##`; here the client just closes the
//! connection, and the server sees the end of the stream (a read of 0 bytes).
//!
//! Usage: `tcp-echo-client [SERVER]`, SERVER defaulting to `127.0.0.1:8888`.

// ANCHOR: all
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::net::TcpStream;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Report a failure (no such address, port in use, …) in words, not as a
    // debug dump, and exit with a non-zero status.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tcp-echo-client: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let server = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());

    // ANCHOR: connect
    // `connect` runs the three-way handshake; it fails at once with
    // `ConnectionRefused` if nothing listens there.
    let stream = TcpStream::connect(&server)?;
    let mut replies = BufReader::new(&stream);
    let mut writer = &stream;
    // ANCHOR_END: connect

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

        // ANCHOR: exchange
        // One message is one line: the `\n` tells the server where it ends.
        writer.write_all(format!("{line}\n").as_bytes())?;
        let mut reply = String::new();
        if replies.read_line(&mut reply)? == 0 {
            println!("the server closed the connection");
            break;
        }
        println!("server replied: {}", reply.trim_end());
        // ANCHOR_END: exchange
    }
    // Dropping the stream closes the connection: the server's next read
    // returns 0 and it moves on to the next client.
    Ok(())
}
// ANCHOR_END: all
