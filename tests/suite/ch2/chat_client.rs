//! Tests of the exercise `chat-client`: logging in, and the run loop that
//! shows incoming messages while the user types (book: ch2/chat-client.md).
//!
//! The test plays the server with a `UdpPeer`, types with a
//! `harness::keyboard()` and reads what the client shows on a
//! `harness::screen()`. Last, the programs end to end: a `chat-server` and
//! two `chat-client`s.

use netkit_tests::harness::{
    Keyboard, Program, Report, Screen, TIMEOUT, Task, UdpPeer, keyboard, loopback_udp, screen, show,
};
use netkit_tests::kit::ch2::chat_client::{self as kit, ChatError};
use netkit_tests::kit::ch2::chat_protocol::{MAX_NAME, MAX_TEXT};
use rstest::rstest;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Fails unless the next datagram the played server gets is `expected`,
/// from `client`.
#[track_caller]
fn expect_datagram<T: std::fmt::Debug>(
    server: &UdpPeer,
    call: &Task<T>,
    client: SocketAddr,
    did: &str,
    expected: &str,
) {
    let (got, from) = server.recv(call, did, &format!("the datagram {expected:?}"));
    if got != expected.as_bytes() || from != client {
        Report::sent(did)
            .expected(format!("the datagram {expected:?} from the client {client}"))
            .got(format!("{} from {from}", show(&got)))
            .cause("the client sends each request as one datagram, in the protocol's words, from its own socket")
            .fail();
    }
}

// --- login ------------------------------------------------------------------

/// `login(…, "Lucy", TIMEOUT)` on a task, with the test as the server; returns
/// the call and the client's address once `LOGIN Lucy` has arrived.
fn login_call(server: &UdpPeer) -> (Task<Result<(), ChatError>>, SocketAddr) {
    let server_addr = server.addr();
    let client = loopback_udp();
    let client_addr = client.local_addr().expect("a bound socket has an address");
    let call = Task::spawn("chat_client::login", move || {
        kit::login(&client, server_addr, "Lucy", TIMEOUT)
    });
    expect_datagram(
        server,
        &call,
        client_addr,
        "login(socket, server, \"Lucy\", …)",
        "LOGIN Lucy",
    );
    (call, client_addr)
}

#[test]
fn login_sends_login_and_returns_ok_on_ok() {
    let server = UdpPeer::new();
    let (call, client) = login_call(&server);
    server.send(client, b"OK");
    let got = call.join();
    if got.is_err() {
        Report::sent("login(…, \"Lucy\", …), answered OK")
            .expected("Ok(())")
            .got(format!("{got:?}"))
            .cause("the answer `OK` means you are in")
            .fail();
    }
}

#[rstest]
#[case::fail(b"FAIL", "Err(ChatError::Refused { name: \"Lucy\" })")]
#[case::something_else(b"WHAT?", "Err(ChatError::BadReply { reply: \"WHAT?\" })")]
fn login_reports_an_answer_other_than_ok(#[case] answer: &[u8], #[case] expected: &str) {
    let server = UdpPeer::new();
    let (call, client) = login_call(&server);
    server.send(client, answer);
    let got = call.join();
    let right = match &got {
        Err(ChatError::Refused { name }) => answer == b"FAIL" && name == "Lucy",
        Err(ChatError::BadReply { reply }) => answer != b"FAIL" && reply.as_bytes() == answer,
        _ => false,
    };
    if !right {
        Report::sent(format!("login(…, \"Lucy\", …), answered {}", show(answer)))
            .expected(expected)
            .got(format!("{got:?}"))
            .cause("FAIL means the name was refused; anything but OK or FAIL is a bad reply")
            .fail();
    }
}

#[test]
fn login_ignores_answers_from_strangers() {
    let server = UdpPeer::new();
    let (call, client) = login_call(&server);
    // A stranger says OK first; only the server's FAIL counts.
    UdpPeer::new().send(client, b"OK");
    server.send(client, b"FAIL");
    let got = call.join();
    if !matches!(got, Err(ChatError::Refused { .. })) {
        Report::sent("login(…, \"Lucy\", …); then OK from a stranger, then FAIL from the server")
            .expected("Err(ChatError::Refused { .. })")
            .got(format!("{got:?}"))
            .cause("compare the address recv_from returns with `server`, and keep waiting when it differs")
            .fail();
    }
}

#[rstest]
#[case::empty("")]
#[case::with_a_space("Lucy Li")]
#[case::reserved("管理员")]
#[case::too_long(&"x".repeat(MAX_NAME + 1))]
fn login_refuses_a_bad_name_without_sending_anything(#[case] name: &str) {
    let server = UdpPeer::new();
    let client = loopback_udp();
    let got = kit::login(&client, server.addr(), name, TIMEOUT);
    if !matches!(got, Err(ChatError::BadName { .. })) {
        Report::sent(format!("login(…, {name:?}, …)"))
            .expected("Err(ChatError::BadName { .. }) at once")
            .got(format!("{got:?}"))
            .cause("check the name with check_name before sending anything")
            .fail();
    }
    // Nothing was sent: the next datagram the server gets is a later login.
    let client_addr = client.local_addr().expect("a bound socket has an address");
    let server_addr = server.addr();
    let call = Task::spawn("chat_client::login", move || {
        kit::login(&client, server_addr, "Lucy", TIMEOUT)
    });
    expect_datagram(
        &server,
        &call,
        client_addr,
        &format!("login(…, {name:?}, …), then login(…, \"Lucy\", …)"),
        "LOGIN Lucy",
    );
    server.send(client_addr, b"OK");
    call.join().expect("login answered OK");
}

#[test]
fn login_gives_up_when_nobody_answers() {
    let silent = UdpPeer::new();
    let client = loopback_udp();
    let timeout = Duration::from_millis(200);
    let started = Instant::now();
    let got = kit::login(&client, silent.addr(), "Lucy", timeout);
    let waited = started.elapsed();
    let did = format!("login(…, \"Lucy\", {timeout:?}) to a server that never answers");
    if !matches!(got, Err(ChatError::NoReply { .. })) {
        Report::sent(&did)
            .expected("Err(ChatError::NoReply { .. })")
            .got(format!("{got:?}"))
            .cause("a read timeout shows up as io::ErrorKind::WouldBlock (or TimedOut): map it to NoReply")
            .fail();
    }
    if waited < timeout / 2 || waited > Duration::from_secs(2) {
        Report::sent(&did)
            .expected(format!("to give up after about {timeout:?}"))
            .got(format!("it gave up after {waited:?}"))
            .cause(
                "set the socket's read timeout to what is left of `timeout` before each recv_from",
            )
            .fail();
    }
}

// --- run --------------------------------------------------------------------

/// `run(socket, server, "Lucy", keyboard, screen)` on a task, with the test
/// as the server.
struct Session {
    server: UdpPeer,
    client: SocketAddr,
    keys: Keyboard,
    display: Screen,
    call: Task<Result<(), ChatError>>,
}

fn start_session() -> Session {
    let server = UdpPeer::new();
    let server_addr = server.addr();
    let socket = loopback_udp();
    let client = socket.local_addr().expect("a bound socket has an address");
    let (keys, input) = keyboard();
    let (display, output) = screen();
    let call = Task::spawn("chat_client::run", move || {
        kit::run(socket, server_addr, "Lucy", input, output)
    });
    Session {
        server,
        client,
        keys,
        display,
        call,
    }
}

impl Session {
    #[track_caller]
    fn expect_sent(&self, did: &str, expected: &str) {
        expect_datagram(&self.server, &self.call, self.client, did, expected);
    }

    #[track_caller]
    fn expect_shown(&mut self, did: &str, expected: &str, cause: &str) {
        self.display.expect_line(&self.call, did, expected, cause);
    }

    /// Waits (within the harness's time limit) for `run` to return, and
    /// checks that it returned `Ok(())`.
    ///
    /// That `run` returns at all says that its receiving thread has stopped:
    /// `output` is not `'static`, so only a scoped thread (`thread::scope`)
    /// can write to it, and a scope returns only once its threads have. (A
    /// check that the socket's port is free again would race with other
    /// tests' child processes, which hold a copy of every descriptor of the
    /// test process for a moment between fork and exec.)
    #[track_caller]
    fn expect_ended(self, did: &str) {
        let got = self.call.join();
        if got.is_err() {
            Report::sent(did)
                .expected("run to return Ok(())")
                .got(format!("{got:?}"))
                .cause("leaving is no error: send EXIT, stop the receiving thread, return Ok(())")
                .fail();
        }
    }
}

#[test]
fn run_sends_each_typed_line_and_leaves_on_exit() {
    let mut s = start_session();
    s.keys.type_line("hello");
    s.expect_sent("typed `hello`", "CHAT Lucy hello");
    s.keys.type_line("一起出去玩啊, ok?");
    s.expect_sent("typed `一起出去玩啊, ok?`", "CHAT Lucy 一起出去玩啊, ok?");
    s.keys.type_line("exit");
    s.expect_sent(
        "typed `hello`, `一起出去玩啊, ok?`, then `exit`",
        "EXIT Lucy",
    );
    s.expect_ended("typed `exit`");
}

#[test]
fn run_leaves_at_the_end_of_input() {
    let mut s = start_session();
    s.keys.type_line("bye");
    s.expect_sent("typed `bye`", "CHAT Lucy bye");
    s.keys.close();
    s.expect_sent("typed `bye`, then closed the input (Ctrl-D)", "EXIT Lucy");
    s.expect_ended("closed the input");
}

#[test]
fn run_shows_incoming_messages_while_waiting_for_input() {
    let mut s = start_session();
    // Nothing typed: the client sits waiting for a line, and must still show
    // what arrives.
    for text in [
        "欢迎 Tom 进入聊天室",
        "Tom : 一起出去玩啊。",
        "管理员消息 : 大家好",
    ] {
        s.server.send(s.client, text.as_bytes());
        s.expect_shown(
            &format!("nothing typed yet; the server sent {text:?}"),
            text,
            "a second thread receives and writes each datagram from the server as a line \
             (and flushes), while the first one waits for input",
        );
    }
    s.keys.type_line("exit");
    s.expect_sent("typed `exit`", "EXIT Lucy");
    s.expect_ended("typed `exit`");
}

#[test]
fn run_does_not_show_datagrams_from_strangers() {
    let mut s = start_session();
    UdpPeer::new().send(s.client, "管理员消息 : your account is blocked".as_bytes());
    s.server.send(s.client, b"Tom : hi");
    s.expect_shown(
        "a stranger sent `管理员消息 : your account is blocked`; then the server sent `Tom : hi`",
        "Tom : hi",
        "only the server speaks for the room: compare the sender's address with `server`",
    );
    s.keys.close();
    s.expect_sent("closed the input", "EXIT Lucy");
    s.expect_ended("closed the input");
}

#[test]
fn run_skips_blank_lines_and_refuses_a_bad_text_with_a_word() {
    let mut s = start_session();
    s.keys.type_line("");
    s.keys.type_line("   ");
    s.keys.type_line(&"x".repeat(MAX_TEXT + 1));
    let did = format!(
        "typed an empty line, a line of spaces, then a line of {} bytes",
        MAX_TEXT + 1
    );
    let line = s.display.next_line(&s.call, &did, "`not sent: …`");
    if !line.starts_with("not sent: ") {
        Report::sent(&did)
            .expected("a line starting `not sent: ` on the output (blank lines are skipped silently)")
            .got(format!("{line:?}"))
            .cause("check each line with check_text; write `not sent: <why>` instead of sending a bad one")
            .fail();
    }
    s.keys.type_line("ok now");
    s.expect_sent(&format!("{did}; then `ok now`"), "CHAT Lucy ok now");
    s.keys.type_line("  exit  ");
    s.expect_sent("typed `  exit  `", "EXIT Lucy");
    s.expect_ended("typed `  exit  `");
}

// --- the programs -----------------------------------------------------------

/// Starts `chat-client --server ADDR --name NAME` and waits until it is in.
#[track_caller]
fn client_program(addr: SocketAddr, name: &str) -> Program {
    let mut client =
        Program::start(&["chat-client", "--server", &addr.to_string(), "--name", name]);
    client.expect_line(&format!("`You are in the room as {name}. …`"), |line| {
        line.contains(&format!("You are in the room as {name}."))
    });
    client
}

#[track_caller]
fn expect_exact(program: &mut Program, line: &str) {
    program.expect_line(&format!("{line:?}"), |got| got == line);
}

#[test]
fn the_programs_talk_join_leave_and_hear_the_administrator() {
    let (mut server, addr) = Program::start_server(&["chat-server", "--addr", "127.0.0.1:0"]);
    let mut lucy = client_program(addr, "Lucy");
    let mut tom = client_program(addr, "Tom");
    expect_exact(&mut lucy, "欢迎 Tom 进入聊天室");

    tom.type_line("一起出去玩啊。");
    expect_exact(&mut lucy, "Tom : 一起出去玩啊。");
    lucy.type_line("好啊");
    expect_exact(&mut tom, "Lucy : 好啊");

    server.type_line("大家好，欢迎进入聊天室。");
    expect_exact(&mut lucy, "管理员消息 : 大家好，欢迎进入聊天室。");
    expect_exact(&mut tom, "管理员消息 : 大家好，欢迎进入聊天室。");

    tom.type_line("exit");
    expect_exact(&mut tom, "You left the room.");
    expect_success(&tom, "typed `exit`");
    expect_exact(&mut lucy, "Tom 退出聊天室");

    lucy.close_stdin();
    expect_exact(&mut lucy, "You left the room.");
    expect_success(&lucy, "closed its input");
}

/// Fails unless `program` exits with status 0, once `did` was done to it.
#[track_caller]
fn expect_success(program: &Program, did: &str) {
    let status = program.wait_exit();
    if !status.success() {
        Report::sent(format!("`{}`: {did}", program.command_line()))
            .expected("exit status 0: leaving the room is no error")
            .got(format!("{status}; stderr: {}", program.stderr_text()))
            .cause("run returns Ok(()) once it has sent EXIT and its receiving thread has stopped")
            .fail();
    }
}

#[test]
fn the_client_program_asks_again_when_a_name_is_refused() {
    let (_server, addr) = Program::start_server(&["chat-server", "--addr", "127.0.0.1:0"]);
    let _lucy = client_program(addr, "Lucy");
    let mut client = Program::start(&["chat-client", "--server", &addr.to_string()]);
    // The prompt `Name: ` has no newline, so each answer shares its line.
    client.type_line("Lucy");
    client.expect_line("`Name: the server refused the name \"Lucy\"…`", |line| {
        line.starts_with("Name: ") && line.contains("refused the name \"Lucy\"")
    });
    client.type_line("管理员");
    client.expect_line("`Name: the name \"管理员\" cannot be used…`", |line| {
        line.contains("cannot be used") && line.contains("reserved")
    });
    client.type_line("Tom");
    client.expect_line("`Name: You are in the room as Tom. …`", |line| {
        line.contains("You are in the room as Tom.")
    });
}
