//! A keyboard and a screen for code under test that reads lines from a
//! `BufRead` and writes to a `Write` (an interactive client's run loop),
//! driven by the test as a person at a terminal would: type a line, watch
//! for a line to appear, then type the next one.
//!
//! ```no_run
//! # use netkit_tests::harness::{keyboard, screen};
//! let (mut keys, input) = keyboard();
//! let (mut display, output) = screen();
//! // hand `input` and `output` to the code under test, on a Task…
//! keys.type_line("hello");
//! // display.expect_line(&task, "…", |line| …);
//! keys.close(); // end of input, as Ctrl-D
//! ```

use super::liveness::{WaitError, wait_for};
use super::{Liveness, Report, STEP};
use std::io::{self, BufRead, Read, Write};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};

/// A keyboard and the input it feeds: what the test types, the code under
/// test reads, line by line. Dropping the [`Keyboard`] (or [`Keyboard::close`])
/// is the end of input.
pub fn keyboard() -> (Keyboard, Typed) {
    let (keys, typed) = mpsc::channel();
    (
        Keyboard { keys: Some(keys) },
        Typed {
            typed,
            pending: Vec::new(),
            at: 0,
        },
    )
}

/// The test's side of [`keyboard()`].
pub struct Keyboard {
    keys: Option<Sender<Vec<u8>>>,
}

impl Keyboard {
    /// Types `line` and Enter: the reader gets `line` and `\n`.
    pub fn type_line(&mut self, line: &str) {
        self.type_bytes(format!("{line}\n").as_bytes());
    }

    /// Types raw bytes (a line without `\n`, bytes that are not UTF-8).
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        let keys = self.keys.as_ref().expect("the keyboard was closed");
        // The reader may have stopped reading already: then nobody reads
        // this, as nobody reads what is typed into a program that quit.
        let _ = keys.send(bytes.to_vec());
    }

    /// Ends the input: the reader sees end of file once it has read all
    /// that was typed before.
    pub fn close(&mut self) {
        self.keys = None;
    }
}

/// The code under test's side of [`keyboard()`]: a `BufRead` whose reads
/// block until the test types something, and end at [`Keyboard::close`].
pub struct Typed {
    typed: Receiver<Vec<u8>>,
    pending: Vec<u8>,
    at: usize,
}

impl Read for Typed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Typed {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.pending.len() {
            match self.typed.recv() {
                Ok(bytes) => {
                    self.pending = bytes;
                    self.at = 0;
                }
                // The keyboard is gone: end of input.
                Err(_) => return Ok(&[]),
            }
        }
        Ok(&self.pending[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.pending.len());
    }
}

/// A screen and the output that writes to it: what the code under test
/// writes, the test reads back line by line, waiting (bounded, and watching
/// the code under test) for each line to appear.
pub fn screen() -> (Screen, ScreenWriter) {
    let (sink, written) = mpsc::channel();
    (
        Screen {
            written,
            partial: Vec::new(),
            lines: Vec::new(),
            seen: 0,
        },
        ScreenWriter { sink },
    )
}

/// The code under test's side of [`screen()`]: a `Write + Send + Clone`.
#[derive(Clone)]
pub struct ScreenWriter {
    sink: Sender<Vec<u8>>,
}

impl Write for ScreenWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // The test may have finished looking: like a closed terminal, accept
        // and forget.
        let _ = self.sink.send(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The test's side of [`screen()`].
pub struct Screen {
    written: Receiver<Vec<u8>>,
    /// Bytes after the last `\n` so far.
    partial: Vec<u8>,
    /// Every complete line so far, without its `\n`.
    lines: Vec<String>,
    /// How many of `lines` [`Screen::next_line`] has handed out.
    seen: usize,
}

impl Screen {
    /// Takes in what was written so far, without waiting; `false` once every
    /// writer is gone.
    fn take_written(&mut self, wait: Option<std::time::Duration>) -> bool {
        let first = match wait {
            Some(step) => match self.written.recv_timeout(step) {
                Ok(bytes) => Some(bytes),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return false,
            },
            None => None,
        };
        let mut open = true;
        let mut chunks: Vec<Vec<u8>> = first.into_iter().collect();
        loop {
            match self.written.try_recv() {
                Ok(bytes) => chunks.push(bytes),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    open = false;
                    break;
                }
            }
        }
        for bytes in chunks {
            for byte in bytes {
                if byte == b'\n' {
                    let line = String::from_utf8_lossy(&self.partial).into_owned();
                    self.lines.push(line);
                    self.partial.clear();
                } else {
                    self.partial.push(byte);
                }
            }
        }
        open
    }

    /// Waits for the next line the code under test writes (after those
    /// already handed out) and returns it without its `\n`. Fails with a
    /// report, showing the whole screen, if `watched` stops or nothing comes
    /// within [`TIMEOUT`](super::TIMEOUT). `did` and `expected` describe the
    /// moment for that report.
    #[track_caller]
    pub fn next_line(&mut self, watched: &dyn Liveness, did: &str, expected: &str) -> String {
        let mut closed = false;
        let got = wait_for(watched, || {
            if self.seen == self.lines.len() && !closed {
                closed = !self.take_written(Some(STEP));
            }
            if self.seen < self.lines.len() {
                self.seen += 1;
                return Ok(Some(self.lines[self.seen - 1].clone()));
            }
            if closed {
                return Err(io::Error::other("the output was dropped"));
            }
            Ok(None)
        });
        match got {
            Ok(line) => line,
            Err(e) => {
                let what = match e {
                    WaitError::Died(why) => why,
                    WaitError::TimedOut => "no new line within the time limit".to_string(),
                    WaitError::Io(_) => {
                        "no new line: the code under test dropped its output".to_string()
                    }
                };
                Report::sent(did)
                    .expected(format!("a line on the output: {expected}"))
                    .got(format!("{what}; the output so far: {}", self.shown()))
                    .cause("the code under test did not write the line its contract promises")
                    .fail()
            }
        }
    }

    /// Waits for the next line, and fails with a report unless it is `expected`.
    #[track_caller]
    pub fn expect_line(&mut self, watched: &dyn Liveness, did: &str, expected: &str, cause: &str) {
        let line = self.next_line(watched, did, &format!("{expected:?}"));
        if line != expected {
            Report::sent(did)
                .expected(format!("the next line on the output to be {expected:?}"))
                .got(format!("{line:?}; the output so far: {}", self.shown()))
                .cause(cause)
                .fail();
        }
    }

    /// Every line written so far (complete or not), taking in what is
    /// pending without waiting.
    pub fn all(&mut self) -> Vec<String> {
        self.take_written(None);
        let mut all = self.lines.clone();
        if !self.partial.is_empty() {
            all.push(String::from_utf8_lossy(&self.partial).into_owned());
        }
        all
    }

    /// The screen so far, for failure messages.
    fn shown(&mut self) -> String {
        format!("{:?}", self.all())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_lines_are_read_back_then_end_of_input() {
        let (mut keys, input) = keyboard();
        keys.type_line("one");
        keys.type_bytes(b"tw");
        keys.type_line("o");
        keys.close();
        let lines: Vec<String> = input.lines().map(|l| l.unwrap()).collect();
        assert_eq!(
            lines,
            ["one", "two"],
            "typed \"one\\n\", \"tw\", \"o\\n\", then closed: expected two lines read back \
             (left: got, right: expected)"
        );
    }

    #[test]
    fn written_lines_are_seen_in_order() {
        let (mut display, mut output) = screen();
        write!(output, "first\nsec").unwrap();
        write!(output, "ond\nthird").unwrap();
        let first = display.next_line(&(), "wrote", "first");
        assert_eq!(
            first, "first",
            "wrote \"first\\nsec\", \"ond\\nthird\": expected the first line to be \"first\"; \
             got {first:?}"
        );
        display.expect_line(&(), "wrote", "second", "in order");
        let all = display.all();
        assert_eq!(
            all,
            ["first", "second", "third"],
            "expected every line, the unfinished \"third\" too (left: got, right: expected)"
        );
    }
}
