//! Tests of the exercise `chatbot`: a line-based question-and-answer server
//! for many clients at once, its client, and the runner's two programs.

use netkit_tests::harness::{
    Accepting, Liveness, Program, Report, ServerThread, Task, TcpPeer, loopback_listener, show,
};
use netkit_tests::kit::ch1::chatbot::{
    self, Client, DEFAULT_ANSWER, KEYWORDS, MAX_LINE, NOT_UTF8_REPLY, TOO_LONG_REPLY,
};
use rstest::rstest;
use std::io;
use std::net::SocketAddr;

/// Starts `chatbot::serve` on a loopback listener of its own.
fn start_server() -> (ServerThread, SocketAddr) {
    ServerThread::on_loopback("chatbot::serve", chatbot::serve)
}

/// Sends `question` and a newline on `peer`, and checks the answer line.
#[track_caller]
fn ask(peer: &mut TcpPeer, server: &dyn Liveness, question: &str, expected: &str) {
    peer.send(format!("{question}\n").as_bytes());
    let got = peer.read_line(server, &format!("the answer line {expected:?}"));
    if got != expected {
        Report::sent(peer.sent())
            .expected(format!("the answer line {expected:?}"))
            .got(format!("{got:?}"))
            .cause(
                "each question line gets exactly one answer line, from `answer`, ending in '\\n'",
            )
            .fail();
    }
}

// ---------------------------------------------------------------- answer

#[rstest]
#[case::keyword_alone("hello", "Hello there!")]
#[case::any_case("HeLLo!", "Hello there!")]
#[case::inside_a_sentence("What is your name?", "I'm Xiaomei (小美).")]
#[case::boy_or_girl("Are you a boy or girl?", "I'm a robot!")]
#[case::how_old("How OLD are you?", "I'm two years old!")]
#[case::two_keywords("Hello! How old are you?", "Hello there!")]
#[case::table_order_not_question_order("How old are you? Hello!", "Hello there!")]
#[case::no_keyword("What is TCP?", DEFAULT_ANSWER)]
#[case::empty_question("", DEFAULT_ANSWER)]
#[case::keyword_broken_by_spaces("how   old", DEFAULT_ANSWER)]
// The seed's own table (§1.3.5), in Chinese.
#[case::seed_hello("你好", "你好啊！")]
#[case::seed_name("你叫什么名字？", "我叫小美")]
#[case::seed_boy_or_girl("你是男生女生？", "我是机器人啦")]
#[case::seed_how_old("你几岁了？", "我2岁啦")]
#[case::seed_two_keywords("你几岁？你好！", "你好啊！")]
#[case::seed_unknown("什么是TCP？", DEFAULT_ANSWER)]
#[case::seed_mixed("Hi 小美, how old are you?", "I'm two years old!")]
fn answer_gives_the_answer_of_the_first_keyword_in_the_table(
    #[case] question: &str,
    #[case] expected: &str,
) {
    let got = chatbot::answer(question);
    if got != expected {
        Report::sent(format!("answer({question:?})"))
            .expected(format!("{expected:?}"))
            .got(format!("{got:?}"))
            .cause(
                "go through KEYWORDS in order and return the first answer whose keyword occurs \
                 in the lowercased question; DEFAULT_ANSWER when none does",
            )
            .fail();
    }
}

#[test]
fn answer_knows_every_keyword_of_the_table_in_capitals() {
    for &(keyword, reply) in KEYWORDS {
        let question = format!("PLEASE: {}?", keyword.to_uppercase());
        let got = chatbot::answer(&question);
        if got != reply {
            Report::sent(format!("answer({question:?})"))
                .expected(format!("{reply:?}"))
                .got(format!("{got:?}"))
                .cause("lowercase the question before looking for the (lowercase) keywords")
                .fail();
        }
    }
}

// ---------------------------------------------------------------- serve

#[test]
fn answers_several_questions_on_one_connection() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    ask(&mut peer, &server, "hello", "Hello there!");
    ask(&mut peer, &server, "how old are you?", "I'm two years old!");
    ask(&mut peer, &server, "what is TCP?", DEFAULT_ANSWER);
    ask(&mut peer, &server, "", DEFAULT_ANSWER);
}

#[test]
fn accepts_questions_ending_in_crlf() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    // What telnet and `nc -C` send.
    ask(
        &mut peer,
        &server,
        "what is your name?\r",
        "I'm Xiaomei (小美).",
    );
    ask(&mut peer, &server, "\r", DEFAULT_ANSWER);
}

#[test]
fn answers_a_last_question_without_newline_then_closes() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    // The seed's style: one question, no line ending, then the client is done.
    peer.send(b"boy or girl?");
    peer.shutdown_write();
    let got = peer.read_line(&server, "the answer \"I'm a robot!\"");
    if got != "I'm a robot!" {
        Report::sent(peer.sent())
            .expected("the answer \"I'm a robot!\"")
            .got(format!("{got:?}"))
            .cause("a last line without '\\n' is still a question: read_until returns it at end of file")
            .fail();
    }
    peer.expect_closed(
        &server,
        "the server to close once the client has closed its side",
    );
}

/// The seed's questions (its keyword table, §1.3.5) and the seed's answers.
const SEED_DIALOGUE: &[(&str, &str)] = &[
    ("你好", "你好啊！"),
    ("你叫什么名字？", "我叫小美"),
    ("你是男生女生？", "我是机器人啦"),
    ("你几岁了？", "我2岁啦"),
    ("你会写代码吗？", DEFAULT_ANSWER),
];

#[test]
fn answers_the_seeds_own_questions_in_chinese() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    for &(question, expected) in SEED_DIALOGUE {
        ask(&mut peer, &server, question, expected);
    }
}

#[test]
fn answers_the_seeds_questions_one_connection_each() {
    let (server, addr) = start_server();
    // The seed's client: one question per connection, no line ending. It
    // closes its side (a half close) so that the server knows the line ended.
    for &(question, expected) in SEED_DIALOGUE {
        let mut peer = TcpPeer::connect(addr);
        peer.send(question.as_bytes());
        peer.shutdown_write();
        let got = peer.read_to_end(&server, &format!("the answer {expected:?}, then the close"));
        let wanted = format!("{expected}\n");
        if got != wanted.as_bytes() {
            Report::sent(peer.sent())
                .expected(show(wanted.as_bytes()))
                .got(show(&got))
                .cause(
                    "a last line without '\\n' is a question too, in Chinese as in English: \
                     answer it, then close",
                )
                .fail();
        }
    }
}

#[test]
fn answers_a_client_while_another_stays_idle() {
    let (server, addr) = start_server();
    // The idle client connects first and says nothing. A server that serves
    // one client at a time is now stuck reading from it.
    let mut idle = TcpPeer::connect(addr);
    let mut busy = TcpPeer::connect(addr);
    busy.send(b"how old are you?\n");
    // Watching the accepting thread ends this wait at once for such a server.
    match busy.try_read_line(&server.accepting()) {
        Ok(Some(line)) if line == "I'm two years old!" => {}
        other => Report::sent(format!(
            "{}, while another client was connected and idle",
            busy.sent()
        ))
        .expected("the answer \"I'm two years old!\"")
        .got(match other {
            Ok(line) => format!("{line:?}"),
            Err(e) => e.to_string(),
        })
        .cause(
            "the server handles one client at a time: it is still waiting for the idle client's \
             question. Give each connection its own thread (thread::spawn in the accept loop)",
        )
        .fail(),
    }
    // And the idle one is served when it finally asks.
    ask(&mut idle, &server, "hello", "Hello there!");
}

#[test]
fn serves_twenty_clients_at_once() {
    let (server, addr) = start_server();
    // All connected before anyone asks: each needs its own conversation.
    let mut peers: Vec<TcpPeer> = (0..20).map(|_| TcpPeer::connect(addr)).collect();
    let accepting = server.accepting();
    std::thread::scope(|scope| {
        let server = &accepting;
        let handles: Vec<_> = peers
            .iter_mut()
            .enumerate()
            .map(|(i, peer)| {
                scope.spawn(move || {
                    for round in 0..3 {
                        let (keyword, reply) = KEYWORDS[(i + round) % KEYWORDS.len()];
                        ask(peer, server, &format!("client {i}: {keyword}?"), reply);
                    }
                })
            })
            .collect();
        for handle in handles {
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
}

#[test]
fn ends_each_answer_with_exactly_one_newline() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    // Two questions at once, then end of file: what comes back is every byte
    // the server wrote, whole, up to its close.
    peer.send(b"hello\nhow old are you?\n");
    peer.shutdown_write();
    let got = peer.read_to_end(&server, "two answer lines, then the connection closed");
    let expected = b"Hello there!\nI'm two years old!\n";
    if got != expected {
        Report::sent(peer.sent())
            .expected(show(expected))
            .got(show(&got))
            .cause(
                "write each answer followed by one '\\n' (in one write_all): without it the \
                 client cannot tell where an answer ends, and waits",
            )
            .fail();
    }
}

#[test]
fn replies_an_error_to_a_line_that_is_not_utf8_and_keeps_going() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    ask(&mut peer, &server, "how old\u{0}", "I'm two years old!");
    peer.send(b"\xff\xfe hello\n");
    let got = peer.read_line(&server, &format!("the error line {NOT_UTF8_REPLY:?}"));
    if got != NOT_UTF8_REPLY {
        Report::sent(peer.sent())
            .expected(format!("{NOT_UTF8_REPLY:?}"))
            .got(format!("{got:?}"))
            .cause("a line that is not UTF-8 gets NOT_UTF8_REPLY, not an answer and not a closed connection")
            .fail();
    }
    ask(
        &mut peer,
        &server,
        "and how old are you?",
        "I'm two years old!",
    );
}

#[test]
fn answers_a_line_of_exactly_max_line_bytes() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    let question = "a".repeat(MAX_LINE);
    ask(&mut peer, &server, &question, DEFAULT_ANSWER);
    ask(&mut peer, &server, "hello", "Hello there!");
}

#[rstest]
// A server that reads until '\n' with no bound answers this line as a question.
#[case::ended_by_a_newline(true)]
// And with no '\n' at all, it waits (and allocates) for as long as the client sends.
#[case::without_a_newline(false)]
fn closes_a_connection_whose_line_is_too_long_and_keeps_serving_others(#[case] newline: bool) {
    let (server, addr) = start_server();
    let mut other = TcpPeer::connect(addr);
    let mut long = TcpPeer::connect(addr);
    // One byte over the limit.
    let mut line = vec![b'x'; MAX_LINE + 1];
    if newline {
        line.push(b'\n');
    }
    long.send(&line);
    match long.try_read_line(&server.accepting()) {
        Ok(Some(line)) if line == TOO_LONG_REPLY => {}
        got => Report::sent(long.sent())
            .expected(format!("{TOO_LONG_REPLY:?}, then the connection closed"))
            .got(match got {
                Ok(Some(line)) => format!("{:?}", show(line.as_bytes())),
                Ok(None) => "the connection closed without a reply".to_string(),
                Err(e) => e.to_string(),
            })
            .cause(
                "read each line with a bound (`take(MAX_LINE as u64 + 1)` before `read_until`): \
                 MAX_LINE + 1 bytes without '\\n' means the line is too long",
            )
            .fail(),
    }
    long.expect_closed(
        &server,
        "the server to close the connection after TOO_LONG_REPLY",
    );
    // The others are still served, old and new.
    ask(&mut other, &server, "hello", "Hello there!");
    let mut newcomer = TcpPeer::connect(addr);
    ask(&mut newcomer, &server, "boy or girl?", "I'm a robot!");
}

#[test]
fn answers_a_chinese_line_of_exactly_max_line_bytes() {
    let (server, addr) = start_server();
    let mut peer = TcpPeer::connect(addr);
    // 340 characters of 3 bytes, 好 (3 bytes) and a '?': 1024 bytes, 342 characters.
    let question = format!("{}好?", "你".repeat(340));
    assert_eq!(question.len(), MAX_LINE, "the test's own question");
    ask(&mut peer, &server, &question, "你好啊！");
}

#[test]
fn closes_a_connection_whose_chinese_line_is_too_long() {
    let (server, addr) = start_server();
    let mut long = TcpPeer::connect(addr);
    // 342 characters of 3 bytes: 1026 bytes. A read bounded to MAX_LINE + 1
    // (1025) bytes stops in the middle of the last character.
    let line = format!("{}\n", "你".repeat(342));
    long.send(line.as_bytes());
    match long.try_read_line(&server.accepting()) {
        Ok(Some(reply)) if reply == TOO_LONG_REPLY => {}
        got => Report::sent("\"你\" x 342 (1026 bytes) and '\\n'")
            .expected(format!("{TOO_LONG_REPLY:?}, then the connection closed"))
            .got(match got {
                Ok(Some(reply)) => format!("{reply:?}"),
                Ok(None) => "the connection closed without a reply".to_string(),
                Err(e) => e.to_string(),
            })
            .cause(
                "the bound cut the last character in two, so the bytes read are not whole UTF-8: \
                 read bytes (read_until into a Vec<u8>), not a String (read_line), and decide \
                 \"too long\" before \"not UTF-8\"",
            )
            .fail(),
    }
    long.expect_closed(
        &server,
        "the server to close the connection after TOO_LONG_REPLY",
    );
}

#[test]
fn keeps_serving_after_a_client_vanishes_in_the_middle_of_a_line() {
    let (server, addr) = start_server();
    let mut gone = TcpPeer::connect(addr);
    gone.send(b"how ol");
    drop(gone);
    let mut next = TcpPeer::connect(addr);
    ask(&mut next, &server, "your name?", "I'm Xiaomei (小美).");
}

// ---------------------------------------------------------------- Client

/// Connects a [`Client`] to a listener the test plays the server on.
fn client_and_played_server() -> (Client, TcpPeer) {
    let listener = loopback_listener();
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let client = Client::connect(addr).expect("connecting to the test's own listener");
    // `connect` has returned, so the connection waits in the queue already.
    let (stream, _) = listener
        .accept()
        .expect("accepting the client's connection");
    (client, TcpPeer::from_stream(stream))
}

#[test]
fn client_sends_each_question_as_a_line_and_returns_each_answer() {
    let (client, mut played) = client_and_played_server();
    let task = Task::spawn_with("chatbot::Client::ask", client, |client| {
        ["how old are you?", "hello"]
            .map(|question| client.ask(question).map_err(|e| e.to_string()))
    });
    let first = played.read_line(&task, "the question line \"how old are you?\"");
    if first != "how old are you?" {
        Report::sent("ask(\"how old are you?\")")
            .expected("the line \"how old are you?\" at the played server")
            .got(format!("{first:?}"))
            .cause("send the question and one '\\n', nothing else")
            .fail();
    }
    played.send(b"I'm two years old!\n");
    let second = played.read_line(&task, "the question line \"hello\"");
    if second != "hello" {
        Report::sent("ask(\"how old are you?\"), answered, then ask(\"hello\")")
            .expected("the line \"hello\", on the same connection")
            .got(format!("{second:?}"))
            .cause("send the question and one '\\n', nothing else")
            .fail();
    }
    // Windows-style line ending: the client drops the '\r' too.
    played.send(b"Hello there!\r\n");
    let answers = task.join();
    let expected = [
        Ok("I'm two years old!".to_string()),
        Ok("Hello there!".to_string()),
    ];
    if answers != expected {
        Report::sent(
            "asked \"how old are you?\" then \"hello\"; the played server answered \
                      \"I'm two years old!\\n\" then \"Hello there!\\r\\n\"",
        )
        .expected(format!("{expected:?}"))
        .got(format!("{answers:?}"))
        .cause("return the answer line without its line ending (\\n, or \\r\\n)")
        .fail();
    }
}

#[test]
fn client_refuses_a_question_with_a_newline_and_sends_nothing() {
    let (client, mut played) = client_and_played_server();
    // The client is dropped when `ask` returns, which closes the connection.
    let task = Task::spawn_with("chatbot::Client::ask", client, |client| {
        client.ask("two\nlines").map_err(|e| e.kind())
    });
    let outcome = task.join();
    if outcome != Err(io::ErrorKind::InvalidInput) {
        Report::sent("ask(\"two\\nlines\")")
            .expected("Err(InvalidInput): the server would read two questions")
            .got(format!("{outcome:?}"))
            .cause("refuse a question that contains '\\n' before sending anything")
            .fail();
    }
    let sent = played.read_to_end(&(), "the connection to close");
    if !sent.is_empty() {
        Report::sent("ask(\"two\\nlines\"), refused")
            .expected("nothing sent to the played server")
            .got(show(&sent))
            .cause("check the question before writing any of it")
            .fail();
    }
}

#[test]
fn client_reports_a_server_that_closes_without_answering() {
    let (client, mut played) = client_and_played_server();
    let task = Task::spawn_with("chatbot::Client::ask", client, |client| {
        client.ask("hello").map_err(|e| e.kind())
    });
    played.read_line(&task, "the question line \"hello\"");
    drop(played); // no answer: the connection closes
    let outcome = task.join();
    if outcome != Err(io::ErrorKind::UnexpectedEof) {
        Report::sent("ask(\"hello\"); the played server closed without answering")
            .expected("Err(UnexpectedEof)")
            .got(format!("{outcome:?}"))
            .cause("an answer line ends in '\\n': zero bytes, or bytes without it, mean the server closed first")
            .fail();
    }
}

// ---------------------------------------------------------------- programs

/// The client's stdout line for one answer: the prompt `Me: ` has no newline
/// of its own, so the answer shares its line.
fn answer_line(answer: &str) -> String {
    format!("Me: Bot: {answer}")
}

#[test]
fn chatbot_programs_answer_typed_questions_and_quit_on_an_empty_line() {
    let (server, addr) = Program::start_server(&["chatbot-server", "--addr", "127.0.0.1:0"]);
    // The server program first, on its own: a raw TCP client asks.
    let mut probe = TcpPeer::connect_watched(addr, &server);
    ask(&mut probe, &server, "hello", "Hello there!");
    // Closed, so that this test is about the programs, not about serving
    // two clients at once (the next test is).
    drop(probe);
    // Then the client program, with questions typed at its prompt.
    let addr = addr.to_string();
    let mut client = Program::start(&["chatbot-client", "--server", &addr]);
    for (question, answer) in [
        ("how old are you?", "I'm two years old!"),
        ("What's your name?", "I'm Xiaomei (小美)."),
        ("what is TCP?", DEFAULT_ANSWER),
        ("你几岁？", "我2岁啦"),
    ] {
        client.type_line(question);
        let expected = answer_line(answer);
        let line = client.expect_line(&format!("{expected:?}"), |l| l.contains("Bot:"));
        if line != expected {
            Report::sent(format!(
                "typed {question:?} into `{}`",
                client.command_line()
            ))
            .expected(format!("the line {expected:?}"))
            .got(format!("{line:?}"))
            .cause("the client prints `Bot: ` and the answer after its prompt `Me: `")
            .fail();
        }
    }
    client.type_line("");
    let status = client.wait_exit();
    assert!(
        status.success(),
        "an empty line quits: expected exit status 0, got {status}; stderr: {}",
        client.stderr_text()
    );
}

#[test]
fn chatbot_client_quits_at_end_of_input() {
    let (_server, addr) = start_server();
    let addr = addr.to_string();
    let mut client = Program::start(&["chatbot-client", "--server", &addr]);
    client.type_line("hello");
    let line = client.expect_line("\"Me: Bot: Hello there!\"", |l| l.contains("Bot:"));
    if line != answer_line("Hello there!") {
        Report::sent(format!("typed \"hello\" into `{}`", client.command_line()))
            .expected(format!("the line {:?}", answer_line("Hello there!")))
            .got(format!("{line:?}"))
            .cause("the client prints `Bot: ` and the answer after its prompt `Me: `")
            .fail();
    }
    client.close_stdin();
    let status = client.wait_exit();
    assert!(
        status.success(),
        "end of input (Ctrl-D) quits: expected exit status 0, got {status}; stderr: {}",
        client.stderr_text()
    );
}

#[test]
fn chatbot_server_program_serves_two_clients_at_once() {
    let (server, addr) = Program::start_server(&["chatbot-server", "--addr", "127.0.0.1:0"]);
    let mut first = TcpPeer::connect_watched(addr, &server);
    let mut second = TcpPeer::connect_watched(addr, &server);
    let accepting = Accepting::program(&server);
    ask(&mut second, &accepting, "boy or girl?", "I'm a robot!");
    ask(&mut first, &accepting, "hello", "Hello there!");
}
