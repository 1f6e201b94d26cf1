//! The book's listings run and do what the pages say: each server is started
//! on a free port and spoken to over loopback; each client is run against
//! its server with lines on standard input.

mod support;

use assert_cmd::Command;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use support::{Server, TIMEOUT};

const UDP_SERVER: &str = env!("CARGO_BIN_EXE_udp-echo-server");
const UDP_CLIENT: &str = env!("CARGO_BIN_EXE_udp-echo-client");
const TCP_SERVER: &str = env!("CARGO_BIN_EXE_tcp-echo-server");
const TCP_CLIENT: &str = env!("CARGO_BIN_EXE_tcp-echo-client");
const SHORT_SERVER: &str = env!("CARGO_BIN_EXE_tcp-short-server");
const SHORT_CLIENT: &str = env!("CARGO_BIN_EXE_tcp-short-client");

/// A UDP socket for the test, on a free loopback port, with bounded reads.
fn udp_peer() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(TIMEOUT)).unwrap();
    socket
}

/// Sends `datagram` to the server and returns the reply, checking it came
/// from the server.
fn udp_ask(socket: &UdpSocket, server: &Server, datagram: &[u8]) -> String {
    socket.send_to(datagram, server.addr).unwrap();
    let mut buffer = [0u8; 1024];
    let (len, from) = socket
        .recv_from(&mut buffer)
        .unwrap_or_else(|err| panic!("no reply to a datagram within {TIMEOUT:?}: {err}"));
    assert_eq!(
        from, server.addr,
        "the reply comes from the server's address"
    );
    String::from_utf8_lossy(&buffer[..len]).into_owned()
}

/// A TCP connection to the server, with bounded reads.
fn tcp_connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.addr).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// Runs a client program against `server` with `input` on standard input.
fn run_client(program: &str, server: &Server, input: &str) -> assert_cmd::assert::Assert {
    Command::new(program)
        .arg(server.addr.to_string())
        .write_stdin(input)
        .timeout(TIMEOUT)
        .assert()
}

#[test]
fn udp_server_thanks_each_datagram_and_prints_it() {
    let server = Server::start(UDP_SERVER);
    let peer = udp_peer();
    let me = peer.local_addr().unwrap();
    assert_eq!(udp_ask(&peer, &server, b"hello"), "Thanks");
    server.expect_line(&format!("from {me}: hello"));
    assert_eq!(udp_ask(&peer, &server, "你好".as_bytes()), "Thanks");
    server.expect_line(&format!("from {me}: 你好"));
}

#[test]
fn udp_server_keeps_a_long_datagram_whole() {
    // The seed's recvfrom(5) would keep "xxxxx" and drop the rest.
    let server = Server::start(UDP_SERVER);
    let peer = udp_peer();
    let long = "x".repeat(4000);
    assert_eq!(udp_ask(&peer, &server, long.as_bytes()), "Thanks");
    server.expect_line(&format!("from {}: {long}", peer.local_addr().unwrap()));
}

#[test]
fn udp_server_survives_bytes_that_are_not_text() {
    let server = Server::start(UDP_SERVER);
    let peer = udp_peer();
    assert_eq!(udp_ask(&peer, &server, &[0xff, 0xfe, 0x00]), "Thanks");
    let _ = server.next_line();
    assert_eq!(
        udp_ask(&peer, &server, b""),
        "Thanks",
        "an empty datagram too"
    );
    let _ = server.next_line();
    assert_eq!(udp_ask(&peer, &server, b"still there?"), "Thanks");
}

#[test]
fn udp_client_sends_each_line_until_an_empty_one() {
    let server = Server::start(UDP_SERVER);
    let reply = format!("{} replied: Thanks\n", server.addr);
    run_client(UDP_CLIENT, &server, "hello\nworld\n\nnot sent\n")
        .success()
        .stdout(reply.repeat(2));
    assert!(server.next_line().ends_with(": hello"));
    assert!(server.next_line().ends_with(": world"));
}

#[test]
fn udp_client_quits_at_the_end_of_input() {
    let server = Server::start(UDP_SERVER);
    run_client(UDP_CLIENT, &server, "").success().stdout("");
}

#[test]
fn tcp_echo_server_thanks_each_line_and_serves_clients_in_turn() {
    let server = Server::start(TCP_SERVER);
    for _ in 0..2 {
        let mut stream = tcp_connect(&server);
        let me = stream.local_addr().unwrap();
        server.expect_line(&format!("connected: {me}"));
        // Two lines in one write: two replies, since a message is a line.
        stream.write_all(b"hello\nworld\n").unwrap();
        let mut replies = BufReader::new(stream.try_clone().unwrap());
        for _ in 0..2 {
            let mut reply = String::new();
            replies.read_line(&mut reply).unwrap();
            assert_eq!(reply, "Thanks\n");
        }
        server.expect_line("received: hello");
        server.expect_line("received: world");
        // Closing our end is the end of the stream for the server.
        drop(replies);
        drop(stream);
        server.expect_line(&format!("disconnected: {me}"));
    }
}

#[test]
fn tcp_echo_server_keeps_the_next_client_waiting_in_the_queue() {
    let server = Server::start(TCP_SERVER);
    let mut first = tcp_connect(&server);
    server.expect_line(&format!("connected: {}", first.local_addr().unwrap()));
    // The second connection is completed by the operating system and waits
    // in the listen queue; its line waits in the server's receive buffer.
    let second = tcp_connect(&server);
    (&second).write_all(b"second\n").unwrap();
    first.write_all(b"first\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&first).read_line(&mut reply).unwrap();
    assert_eq!(reply, "Thanks\n");
    server.expect_line("received: first");
    drop(first);
    let _disconnected = server.next_line();
    // Only now is the second client accepted and answered.
    server.expect_line(&format!("connected: {}", second.local_addr().unwrap()));
    let mut reply = String::new();
    BufReader::new(&second).read_line(&mut reply).unwrap();
    assert_eq!(reply, "Thanks\n");
    server.expect_line("received: second");
}

#[test]
fn tcp_echo_server_survives_a_client_that_sends_junk_and_leaves() {
    let server = Server::start(TCP_SERVER);
    let mut rude = tcp_connect(&server);
    let _connected = server.next_line();
    rude.write_all(&[0xff, 0x00, 0xfe]).unwrap(); // not text, no newline
    drop(rude);
    server.expect_line("received: \u{fffd}\u{0}\u{fffd}");
    let _disconnected = server.next_line();
    let mut polite = tcp_connect(&server);
    polite.write_all(b"hi\n").unwrap();
    let mut reply = String::new();
    BufReader::new(&polite).read_line(&mut reply).unwrap();
    assert_eq!(reply, "Thanks\n");
}

#[test]
fn tcp_echo_client_sends_lines_on_one_connection() {
    let server = Server::start(TCP_SERVER);
    run_client(TCP_CLIENT, &server, "hello\nworld\n\nnot sent\n")
        .success()
        .stdout("server replied: Thanks\n".repeat(2));
    assert!(server.next_line().starts_with("connected: "));
    server.expect_line("received: hello");
    server.expect_line("received: world");
    assert!(server.next_line().starts_with("disconnected: "));
}

/// One short connection: send `parts` as separate writes, half close, read
/// the reply to the end.
fn short_ask(server: &Server, parts: &[&str]) -> (String, String) {
    let mut stream = tcp_connect(server);
    let me = stream.local_addr().unwrap().to_string();
    for part in parts {
        stream.write_all(part.as_bytes()).unwrap();
        stream.flush().unwrap();
    }
    stream.shutdown(Shutdown::Write).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    (me, reply)
}

#[test]
fn tcp_short_server_answers_each_connection_once() {
    let server = Server::start(SHORT_SERVER);
    for message in ["hello", "world"] {
        let (me, reply) = short_ask(&server, &[message]);
        assert_eq!(reply, "Thanks");
        server.expect_line(&format!("from {me}: {message}"));
    }
}

#[test]
fn tcp_short_server_reads_a_message_sent_in_pieces_whole() {
    // The seed's single recv(1024) may see only the first piece.
    let server = Server::start(SHORT_SERVER);
    let (me, reply) = short_ask(&server, &["hel", "lo wor", "ld", &"!".repeat(3000)]);
    assert_eq!(reply, "Thanks");
    server.expect_line(&format!("from {me}: hello world{}", "!".repeat(3000)));
}

#[test]
fn tcp_short_client_uses_one_connection_per_line() {
    let server = Server::start(SHORT_SERVER);
    run_client(SHORT_CLIENT, &server, "one\ntwo\n")
        .success()
        .stdout("server replied: Thanks\n".repeat(2));
    assert!(server.next_line().ends_with(": one"));
    assert!(server.next_line().ends_with(": two"));
}
