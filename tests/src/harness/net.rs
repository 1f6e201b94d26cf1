//! The test's side of a conversation over loopback.
//!
//! Every read is bounded and watches the code under test (see
//! [`wait_for`]); every failure panics with a [`Report`].

use super::liveness::{WaitError, is_timeout, stopped_story, wait_for};
use super::{Liveness, Report, STEP, TIMEOUT, show};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Instant;

/// A TCP listener on `127.0.0.1:0`: a free port chosen by the OS, so tests run
/// in parallel. Hand it to the server under test; ask it for `local_addr()`.
pub fn loopback_listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 failed: is loopback up?")
}

/// The ports [`spare_loopback_addr`] hands out: below Linux's ephemeral
/// range (`net.ipv4.ip_local_port_range`, 32768 to 60999 by default), from
/// which the kernel picks the port of every `bind(…:0)` and of every
/// outgoing connection, so that no other test's socket is given one of
/// them behind our back.
const SPARE_PORTS: std::ops::Range<u16> = 20000..32000;

/// A loopback address for a server that must bind a *given* port itself (a
/// backend that nginx's configuration names, restarted on the same port):
/// a port of [`SPARE_PORTS`] that is free now, each handed out once per
/// process, starting at an offset of this process's own so that parallel
/// suites rarely meet. A port taken between this check and the server's
/// bind is a one in thousands race, not the everyday one of a port from
/// `127.0.0.1:0` let go and handed to the next socket that asks.
pub fn spare_loopback_addr() -> SocketAddr {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let span = u32::from(SPARE_PORTS.end - SPARE_PORTS.start);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(7919) % span,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    for _ in 0..span {
        let offset = NEXT.fetch_add(1, Ordering::SeqCst) % span;
        let port = SPARE_PORTS.start + offset as u16;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if TcpListener::bind(addr).is_ok() {
            return addr;
        }
    }
    panic!("no free port in 127.0.0.1:{SPARE_PORTS:?}");
}

/// A UDP socket on `127.0.0.1:0`, for the server under test.
pub fn loopback_udp() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 failed: is loopback up?")
}

/// Turns a failed wait into the test's failure, with the full story.
#[track_caller]
fn fail_wait(error: WaitError, sent: &str, expected: &str) -> ! {
    let (got, cause) = match &error {
        WaitError::Died(why) => (
            why.clone(),
            "see the message above: the code under test stopped",
        ),
        WaitError::TimedOut => (
            format!("nothing within {} s", TIMEOUT.as_secs()),
            "the server never answered: is it replying to the sender's address, \
             and flushing what it writes?",
        ),
        WaitError::Io(e) => (
            format!("an error on the test's socket: {e}"),
            "the peer closed or reset the connection",
        ),
    };
    let report = Report::sent(sent).expected(expected).got(got).cause(cause);
    match error {
        // The code under test died: its own message says the most.
        WaitError::Died(why) => report
            .headline(why.lines().next().unwrap_or_default())
            .fail(),
        _ => report.fail(),
    }
}

/// A line read by [`TcpPeer`], without its `\n`.
fn line_text(mut line: Vec<u8>) -> String {
    if line.ends_with(b"\n") {
        line.pop();
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// A UDP client played by the test.
pub struct UdpPeer {
    socket: UdpSocket,
}

impl UdpPeer {
    /// Binds a fresh socket on `127.0.0.1:0`.
    pub fn new() -> Self {
        let socket = loopback_udp();
        socket
            .set_read_timeout(Some(STEP))
            .expect("setting a read timeout");
        UdpPeer { socket }
    }

    /// This peer's own address: what a server sees as the sender.
    pub fn addr(&self) -> SocketAddr {
        self.socket
            .local_addr()
            .expect("a bound socket has an address")
    }

    /// Sends one datagram.
    pub fn send(&self, to: SocketAddr, datagram: &[u8]) {
        self.socket
            .send_to(datagram, to)
            .unwrap_or_else(|e| panic!("sending {} to {to} failed: {e}", show(datagram)));
    }

    /// Waits for the next datagram (from anyone) and returns it with its sender.
    /// `sent` and `expected` describe the exchange for the failure message.
    #[track_caller]
    pub fn recv(
        &self,
        watched: &dyn Liveness,
        sent: &str,
        expected: &str,
    ) -> (Vec<u8>, SocketAddr) {
        let mut buf = vec![0u8; 65_536];
        match wait_for(watched, || {
            let (n, from) = self.socket.recv_from(&mut buf)?;
            Ok(Some((buf[..n].to_vec(), from)))
        }) {
            Ok(got) => got,
            Err(e) => fail_wait(e, sent, expected),
        }
    }

    /// Sends `datagram` to `server` and returns the reply's bytes.
    #[track_caller]
    pub fn ask(&self, server: SocketAddr, datagram: &[u8], watched: &dyn Liveness) -> Vec<u8> {
        self.send(server, datagram);
        let sent = format!("datagram {} to {server}", show(datagram));
        let (reply, from) = self.recv(watched, &sent, "a reply datagram");
        if from != server {
            Report::sent(sent)
                .expected(format!("the reply to come from {server}"))
                .got(format!("{} from {from}", show(&reply)))
                .cause("the reply was sent from another socket than the one the request reached")
                .fail();
        }
        reply
    }
}

impl Default for UdpPeer {
    fn default() -> Self {
        Self::new()
    }
}

/// A TCP client played by the test, with a buffered reader over the same stream.
pub struct TcpPeer {
    addr: SocketAddr,
    reader: BufReader<TcpStream>,
    /// What this peer has sent so far, shortened, for failure messages.
    log: String,
}

impl TcpPeer {
    /// Connects to `addr`, within [`TIMEOUT`].
    #[track_caller]
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
            .unwrap_or_else(|e| panic!("connecting to the server at {addr} failed: {e}"));
        TcpPeer::over(addr, stream)
    }

    /// A peer over a connected `stream` to `addr`, with bounded reads.
    fn over(addr: SocketAddr, stream: TcpStream) -> Self {
        stream
            .set_read_timeout(Some(STEP))
            .expect("setting a read timeout");
        stream.set_nodelay(true).expect("setting TCP_NODELAY");
        TcpPeer {
            addr,
            reader: BufReader::new(stream),
            log: String::new(),
        }
    }

    /// Connects to the server under test at `addr`; when that fails, reports
    /// why the server stopped if it did (a program that panicked and exited
    /// refuses connections), rather than just "connection refused".
    #[track_caller]
    pub fn connect_watched(addr: SocketAddr, watched: &dyn Liveness) -> Self {
        match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(stream) => TcpPeer::over(addr, stream),
            Err(e) => {
                let story = stopped_story(watched);
                Report::sent(format!("a connection to {addr}"))
                    .expected("the server to accept it")
                    .got(match &story {
                        Some(why) => why.clone(),
                        None => format!("{e}"),
                    })
                    .cause(match story {
                        Some(_) => "see the message above: the code under test stopped",
                        None => "is the server listening on this address?",
                    })
                    .fail()
            }
        }
    }

    /// Wraps a stream the test accepted, when the test plays the server for a
    /// client under test; reads are bounded as with [`TcpPeer::connect`].
    /// (Accept after the client's `connect` has returned: the connection is
    /// then already queued, and `accept` returns at once.)
    pub fn from_stream(stream: TcpStream) -> Self {
        let addr = stream.peer_addr().expect("an accepted stream has a peer");
        TcpPeer::over(addr, stream)
    }

    /// The underlying stream, for what the helpers do not cover.
    pub fn stream(&self) -> &TcpStream {
        self.reader.get_ref()
    }

    /// What this peer has sent so far, as shown in failure messages.
    pub fn sent(&self) -> String {
        if self.log.is_empty() {
            format!("nothing yet, on a connection to {}", self.addr)
        } else {
            format!("{} to {}", self.log, self.addr)
        }
    }

    /// Sends all of `bytes`.
    #[track_caller]
    pub fn send(&mut self, bytes: &[u8]) {
        if let Err(e) = self.reader.get_mut().write_all(bytes) {
            panic!("sending {} to {} failed: {e}", show(bytes), self.addr);
        }
        if self.log.len() < 300 {
            if !self.log.is_empty() {
                self.log.push_str(", then ");
            }
            self.log.push_str(&show(bytes));
        }
    }

    /// Closes the writing half: the server reads end-of-file, and can still reply.
    pub fn shutdown_write(&mut self) {
        // NotConnected means the server already closed; the reads will tell.
        let _ = self.reader.get_ref().shutdown(Shutdown::Write);
        self.log.push_str(", then closed the writing half");
    }

    /// Reads one line (without its `\n`), failing with a report if none comes.
    #[track_caller]
    pub fn read_line(&mut self, watched: &dyn Liveness, expected: &str) -> String {
        let mut line = Vec::new();
        match self.read_line_into(watched, &mut line) {
            Ok(Some(())) => line_text(line),
            // Part of a line came, but never its end: that is the story, not
            // "nothing came".
            Err(WaitError::TimedOut) if !line.is_empty() => Report::sent(self.sent())
                .expected(expected)
                .got(format!(
                    "{}, and then no '\\n' within {} s",
                    show(&line),
                    TIMEOUT.as_secs()
                ))
                .cause("a line ends with '\\n': was it forgotten after the text?")
                .fail(),
            Ok(None) => {
                // The peer closed: if the code under test stopped, its own
                // story (a panic message) is the better report.
                if let Some(why) = stopped_story(watched) {
                    fail_wait(WaitError::Died(why), &self.sent(), expected)
                }
                Report::sent(self.sent())
                    .expected(expected)
                    .got("end of file: the server closed the connection")
                    .cause("the server closed the connection before replying")
                    .fail()
            }
            Err(e) => fail_wait(e, &self.sent(), expected),
        }
    }

    /// Reads one line (without its `\n`); `Ok(None)` at end of file.
    pub fn try_read_line(&mut self, watched: &dyn Liveness) -> Result<Option<String>, WaitError> {
        let mut line = Vec::new();
        self.read_line_into(watched, &mut line)
            .map(|got| got.map(|()| line_text(line)))
    }

    /// Reads one line into `line`, `\n` included; `Ok(None)` at end of file
    /// before any byte. On a failed wait, `line` holds what did come.
    fn read_line_into(
        &mut self,
        watched: &dyn Liveness,
        line: &mut Vec<u8>,
    ) -> Result<Option<()>, WaitError> {
        wait_for(watched, || {
            // read_until keeps what it has read in `line` across timeouts.
            let n = self.reader.read_until(b'\n', line)?;
            if n == 0 && line.is_empty() {
                return Ok(Some(None));
            }
            if line.ends_with(b"\n") || n == 0 {
                return Ok(Some(Some(())));
            }
            Ok(None)
        })
    }

    /// Reads until the server closes the connection, and returns all of it.
    #[track_caller]
    pub fn read_to_end(&mut self, watched: &dyn Liveness, expected: &str) -> Vec<u8> {
        let mut all = Vec::new();
        let mut chunk = [0u8; 8192];
        let outcome = wait_for(watched, || {
            let n = self.reader.read(&mut chunk)?;
            all.extend_from_slice(&chunk[..n]);
            Ok((n == 0).then_some(()))
        });
        if let Err(e) = outcome
            && !matches!(e, WaitError::Io(ref io) if io.kind() == io::ErrorKind::ConnectionReset)
        {
            fail_wait(e, &self.sent(), expected);
        }
        all
    }

    /// Reads until exactly `n` bytes have come, and returns them; or, when no
    /// more come, what did come and why no more did (the server closed the
    /// connection, reset it, stopped, or sent nothing within [`TIMEOUT`]).
    pub fn try_read_exact(
        &mut self,
        n: usize,
        watched: &dyn Liveness,
    ) -> Result<Vec<u8>, (Vec<u8>, String)> {
        let mut got = Vec::with_capacity(n);
        let mut chunk = vec![0u8; n.clamp(1, 64 * 1024)];
        let outcome = wait_for(watched, || {
            // Read what keeps coming, up to a STEP of it, before the watch
            // looks again: a look may be slow (one that reads /proc/net/tcp
            // takes tens of ms on a busy machine), and one per short read
            // made a long echo run into TIMEOUT.
            let slice = Instant::now() + STEP;
            loop {
                let want = (n - got.len()).min(chunk.len());
                let read = match self.reader.read(&mut chunk[..want]) {
                    Ok(read) => read,
                    Err(e) if is_timeout(&e) => return Ok(None),
                    Err(e) => return Err(e),
                };
                got.extend_from_slice(&chunk[..read]);
                match read {
                    0 => return Ok(Some(false)),
                    _ if got.len() == n => return Ok(Some(true)),
                    _ if Instant::now() >= slice => return Ok(None),
                    _ => {}
                }
            }
        });
        match outcome {
            Ok(true) => Ok(got),
            Ok(false) => Err((
                got,
                "end of file: the server closed the connection".to_string(),
            )),
            Err(WaitError::Io(e)) if e.kind() == io::ErrorKind::ConnectionReset => Err((
                got,
                "the server reset the connection (it closed it with unread data)".to_string(),
            )),
            Err(e) => Err((got, e.to_string())),
        }
    }

    /// How many bytes have arrived that the test has not read yet, looked at
    /// without waiting: 0 means the server has sent nothing more so far.
    pub fn pending(&mut self) -> usize {
        let buffered = self.reader.buffer().len();
        let stream = self.reader.get_ref();
        stream
            .set_nonblocking(true)
            .expect("making the test's socket non-blocking");
        let mut look = [0u8; 1];
        let waiting = match stream.peek(&mut look) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(_) => 0,
        };
        stream
            .set_nonblocking(false)
            .expect("making the test's socket blocking again");
        buffered + waiting
    }

    /// What has arrived and is not read yet, taken without waiting.
    pub fn read_available(&mut self) -> Vec<u8> {
        let mut got = self.reader.buffer().to_vec();
        self.reader.consume(got.len());
        let stream = self.reader.get_ref();
        stream
            .set_nonblocking(true)
            .expect("making the test's socket non-blocking");
        let mut chunk = [0u8; 8192];
        while let Ok(n) = (&mut &*stream).read(&mut chunk) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&chunk[..n]);
        }
        stream
            .set_nonblocking(false)
            .expect("making the test's socket blocking again");
        got
    }

    /// Aborts the connection: with `SO_LINGER` set to 0, closing the socket
    /// sends a reset (RST) instead of the usual FIN, as a crashed client's
    /// kernel may.
    pub fn reset(self) {
        let stream = self.reader.into_inner();
        socket2::SockRef::from(&stream)
            .set_linger(Some(std::time::Duration::ZERO))
            .expect("setting SO_LINGER to 0");
        drop(stream);
    }

    /// Waits until the server closes the connection, failing with a report if
    /// it sends anything first or keeps the connection open.
    #[track_caller]
    pub fn expect_closed(&mut self, watched: &dyn Liveness, expected: &str) {
        let rest = self.read_to_end(watched, expected);
        if !rest.is_empty() {
            Report::sent(self.sent())
                .expected(expected)
                .got(format!("more data: {}", show(&rest)))
                .fail();
        }
    }
}
