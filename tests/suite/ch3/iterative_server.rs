//! Tests of the exercise `iterative-server` (book: ch3/iterative-server.md):
//! the chapter's conformance tests for the line echo, with the iterative
//! model's own (a second client waits), and `echo_lines` called directly.

use super::line_echo::{Kind, Model, expect_closed_quietly, expect_echo, line_echo_conformance};
use netkit_tests::harness::{Report, Task, TcpPeer, loopback_listener};
use netkit_tests::kit::ch3::iterative_server::{self, MAX_LINE};
use std::io;

const MODEL: Model = Model::new(&["iterative-server"], Kind::Iterative);

line_echo_conformance!(iterative, MODEL);

/// Runs `echo_lines` on one connection accepted from the test's own
/// listener: the function alone, without the server's loop.
fn echo_one_connection() -> (Task<io::Result<()>>, TcpPeer) {
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    // Connected first: the connection waits in the queue, and accept
    // returns at once.
    let peer = TcpPeer::connect(addr);
    let server = Task::spawn("iterative_server::echo_lines", move || {
        let (stream, _) = listener.accept()?;
        iterative_server::echo_lines(stream)
    });
    (server, peer)
}

#[test]
fn echo_lines_echoes_lines_then_returns_at_end_of_file() {
    let (server, mut peer) = echo_one_connection();
    peer.send(b"one\ntwo\n");
    expect_echo(
        &mut peer,
        &server,
        b"one\ntwo\n",
        "echo_lines sends each line back, '\\n' included",
    );
    peer.shutdown_write();
    // echo_lines is expected to return now: the close is watched, not it.
    peer.expect_closed(
        &(),
        "echo_lines to return at end of file, closing the connection",
    );
    if let Err(e) = server.join() {
        Report::sent(peer.sent())
            .expected("echo_lines to return Ok(()) once the client closed its side")
            .got(format!("Err({e})"))
            .cause("a read of 0 bytes is the end of the client's lines: return Ok(())")
            .fail();
    }
}

#[test]
fn echo_lines_returns_ok_on_a_line_too_long_without_echoing_it() {
    let (server, mut peer) = echo_one_connection();
    let mut sent = b"short\n".to_vec();
    sent.extend(vec![b'y'; MAX_LINE + 1]);
    sent.push(b'\n');
    peer.send(&sent);
    expect_echo(
        &mut peer,
        &server,
        b"short\n",
        "the lines before the long one come back",
    );
    // echo_lines is expected to return now: the close is watched, not it.
    // (A reset is a close too: the long line's '\n' may be left unread.)
    expect_closed_quietly(
        &mut peer,
        &(),
        "nothing more after \"short\\n\", then the connection closed",
        "the lines before the long one come back; of the long one nothing: stop when \
         take(MAX_LINE as u64 + 1) has given MAX_LINE + 1 bytes without '\\n'",
    );
    if let Err(e) = server.join() {
        Report::sent(peer.sent())
            .expected("echo_lines to return Ok(()) after a line too long")
            .got(format!("Err({e})"))
            .cause(
                "a line too long ends the conversation, but it is not an error of the connection",
            )
            .fail();
    }
}
