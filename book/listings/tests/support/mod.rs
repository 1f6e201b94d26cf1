//! Running a listing's server as a child process: start it on port 0, learn
//! its port from its first line, read what it prints, kill it at the end.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

/// How long any wait of these tests may last: long enough for a loaded
/// machine, short enough that a hang fails quickly.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A server program, running until dropped.
pub struct Server {
    child: Child,
    /// Where it listens, from its `listening on` line.
    pub addr: SocketAddr,
    lines: Receiver<String>,
    name: String,
}

impl Server {
    /// Starts `program` (a path, from `env!("CARGO_BIN_EXE_…")`) on
    /// `127.0.0.1:0` and waits for its `listening on IP:PORT` line.
    pub fn start(program: &str) -> Server {
        let mut child = Command::new(program)
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {program}: {err}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        // A thread reads the lines, so that the test can wait for one with a
        // time limit (a pipe read has none).
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let name = program.rsplit('/').next().unwrap_or(program).to_string();
        let mut server = Server {
            child,
            addr: "0.0.0.0:0".parse().unwrap(),
            lines,
            name,
        };
        let first = server.next_line();
        let addr = first.strip_prefix("listening on ").unwrap_or_else(|| {
            panic!(
                "{}: expected `listening on IP:PORT` as the first line, got {first:?}",
                server.name
            )
        });
        server.addr = addr
            .parse()
            .unwrap_or_else(|err| panic!("{}: bad address in {first:?}: {err}", server.name));
        server
    }

    /// The server's next line of output.
    pub fn next_line(&self) -> String {
        self.lines.recv_timeout(TIMEOUT).unwrap_or_else(|err| {
            panic!(
                "{}: no line of output within {TIMEOUT:?} ({err}): did it stop, or block?",
                self.name
            )
        })
    }

    /// Asserts that the server's next line is `expected`.
    #[track_caller]
    pub fn expect_line(&self, expected: &str) {
        let got = self.next_line();
        assert_eq!(got, expected, "{}: unexpected line of output", self.name);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Servers loop for ever: end them, then reap them (no zombies).
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
