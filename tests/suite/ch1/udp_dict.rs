//! Tests of the exercise `udp-dict`: word lookups over UDP from a SQLite
//! dictionary (book: ch1/udp-dict.md).
//!
//! First the pure parts (`Dictionary::lookup`, `reply_for`), then `serve` over
//! loopback with the test as the client, then `query` with the test as the
//! server, and last the runner's two programs.

use netkit_tests::harness::{
    Program, Report, ServerThread, TIMEOUT, Task, UdpPeer, loopback_udp, show,
};
use netkit_tests::kit::ch1::udp_dict::{
    self as kit, Dictionary, MAX_DATAGRAM, MAX_WORD, NOT_FOUND, QueryError,
};
use netkit_tests::programs::udp_dict::WORDS_TSV;
use rstest::rstest;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// A small dictionary whose meanings the tests know by heart.
const TEST_WORDS: &str = "\
apple\ta round fruit
bridge\ta way across a river
network\tcomputers that talk to each other
";

fn test_dictionary() -> Dictionary {
    Dictionary::in_memory(TEST_WORDS).expect("building the test dictionary (given code) failed")
}

/// The meaning of `word` in `tsv`, read straight from the text.
fn meaning_in<'a>(tsv: &'a str, word: &str) -> &'a str {
    tsv.lines()
        .find_map(|line| line.strip_prefix(word)?.strip_prefix('\t'))
        .unwrap_or_else(|| panic!("the test's word list has no {word:?}"))
}

/// Fails with a teaching report unless `got` is `expected`.
#[track_caller]
fn expect_reply(sent: &[u8], got: &str, expected: &str, cause: &str) {
    if got != expected {
        Report::sent(format!("the request datagram {}", show(sent)))
            .expected(format!("the reply {expected:?}"))
            .got(format!("{got:?}"))
            .cause(cause)
            .fail();
    }
}

/// Fails with a teaching report unless `got` is an `Error: …` reply.
#[track_caller]
fn expect_error_reply(sent: &[u8], got: &str, cause: &str) {
    if !got.starts_with("Error: ") {
        Report::sent(format!("the request datagram {}", show(sent)))
            .expected("a reply starting \"Error: \" that says what was wrong")
            .got(format!("{got:?}"))
            .cause(cause)
            .fail();
    }
}

// --- Dictionary::lookup and reply_for: no sockets ---------------------------

#[rstest]
#[case::a_known_word("apple", Some("a round fruit"))]
#[case::another_known_word("network", Some("computers that talk to each other"))]
#[case::an_unknown_word("qwerty", None)]
#[case::a_word_with_a_quote("o'clock", None)]
fn lookup_finds_the_meaning_of_known_words_only(
    #[case] word: &str,
    #[case] expected: Option<&str>,
) {
    let dict = test_dictionary();
    let got = dict.lookup(word);
    match got {
        Ok(meaning) if meaning.as_deref() == expected => {}
        other => Report::sent(format!(
            "lookup({word:?}) on a table holding apple, bridge, network"
        ))
        .expected(format!("Ok({expected:?})"))
        .got(format!("{other:?}"))
        .cause(
            "the query should be `SELECT meaning FROM words WHERE word = ?1` with the word \
                 bound as a parameter, and no row should become Ok(None) (`.optional()`)",
        )
        .fail(),
    }
}

#[rstest]
#[case::a_known_word(b"apple", "a round fruit")]
#[case::another_known_word(b"bridge", "a way across a river")]
#[case::an_unknown_word(b"qwerty", NOT_FOUND)]
#[case::an_unknown_word_with_a_space(b"ice cream", NOT_FOUND)]
fn replies_with_the_meaning_or_not_found(#[case] datagram: &[u8], #[case] expected: &str) {
    let got = kit::reply_for(&test_dictionary(), datagram);
    expect_reply(
        datagram,
        &got,
        expected,
        "a known word gets its meaning, an unknown one exactly \"Not Found\" (no newline, no period)",
    );
}

#[rstest]
#[case::upper_case(b"APPLE")]
#[case::mixed_case(b"Apple")]
#[case::a_trailing_newline(b"apple\n")]
#[case::surrounding_spaces(b"  apple  ")]
#[case::tab_and_crlf(b"\tApple\r\n")]
fn ignores_case_and_surrounding_whitespace(#[case] datagram: &[u8]) {
    let got = kit::reply_for(&test_dictionary(), datagram);
    expect_reply(
        datagram,
        &got,
        "a round fruit",
        "trim the word and lowercase it before the lookup: the table holds lowercase words",
    );
}

#[rstest]
#[case::not_utf8(b"\xff\xfeapple".to_vec())]
#[case::empty(Vec::new())]
#[case::only_whitespace(b" \t\r\n".to_vec())]
#[case::one_byte_longer_than_max_word(vec![b'a'; MAX_WORD + 1])]
#[case::far_longer_than_max_word(vec![b'a'; 500])]
fn replies_an_error_to_a_bad_request(#[case] datagram: Vec<u8>) {
    let got = kit::reply_for(&test_dictionary(), &datagram);
    expect_error_reply(
        &datagram,
        &got,
        "check the bytes before looking anything up: UTF-8 (std::str::from_utf8), \
         not blank once trimmed, at most MAX_WORD bytes",
    );
}

#[test]
fn accepts_a_word_of_exactly_max_word_bytes() {
    let datagram = vec![b'a'; MAX_WORD];
    let got = kit::reply_for(&test_dictionary(), &datagram);
    expect_reply(
        &datagram,
        &got,
        NOT_FOUND,
        "a word of MAX_WORD bytes is allowed; only longer ones are refused (`>`, not `>=`)",
    );
}

#[test]
fn replies_an_error_when_the_database_fails() {
    // A real SQLite file, but without the `words` table: every lookup fails.
    let dir = tempfile::tempdir().expect("creating a temp folder");
    let path = dir.path().join("not-a-dictionary.sqlite");
    let other = rusqlite::Connection::open(&path).expect("creating a SQLite file");
    other
        .execute("CREATE TABLE something_else (x TEXT)", [])
        .expect("creating a table");
    drop(other);
    let dict = Dictionary::open(&path).expect("opening the file (given code) failed");

    let got = kit::reply_for(&dict, b"apple");
    expect_error_reply(
        b"apple",
        &got,
        "lookup returns Err (\"no such table: words\"): turn it into an \"Error: …\" reply, \
         never unwrap it (a panic would kill the whole server)",
    );
}

#[rstest]
#[case::always_true("x' or '1'='1")]
#[case::comment_out_the_rest("apple' --")]
#[case::a_second_statement("x'; drop table words; --")]
fn sql_injection_finds_nothing_and_harms_nothing(#[case] attack: &str) {
    let dict = test_dictionary();
    let got = kit::reply_for(&dict, attack.as_bytes());
    expect_reply(
        attack.as_bytes(),
        &got,
        NOT_FOUND,
        "the word was pasted into the SQL text, so it became SQL: pass it as a parameter (`?1`)",
    );
    let words = dict
        .word_count()
        .expect("counting the words (given code) failed");
    if words != 3 {
        Report::sent(format!("reply_for(…, {attack:?})"))
            .expected("the table still holding its 3 words")
            .got(format!("{words} words: the request changed the database"))
            .cause("bind the word as a parameter (`?1`); never paste it into the SQL text")
            .fail();
    }
    expect_reply(
        b"apple",
        &kit::reply_for(&dict, b"apple"),
        "a round fruit",
        "the request before this one damaged the table",
    );
}

#[test]
fn every_word_of_the_kits_list_is_found() {
    let dict = Dictionary::in_memory(WORDS_TSV)
        .expect("building the dictionary from data/words.tsv failed");
    let entries: Vec<(&str, &str)> = WORDS_TSV
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .collect();
    assert!(
        entries.len() >= 320,
        "data/words.tsv: expected at least 320 words, got {}",
        entries.len()
    );
    for (word, meaning) in entries {
        expect_reply(
            word.as_bytes(),
            &kit::reply_for(&dict, word.as_bytes()),
            meaning,
            "every word of data/words.tsv is in the table with this meaning",
        );
    }
}

// --- serve: the test is the client ------------------------------------------

/// Starts `serve` on a loopback socket with the test dictionary.
fn start_server() -> (ServerThread, SocketAddr) {
    let socket = loopback_udp();
    let addr = socket.local_addr().expect("a bound socket has an address");
    let dict = test_dictionary();
    let server = ServerThread::spawn("udp_dict::serve", move || kit::serve(socket, dict));
    (server, addr)
}

/// Sends `datagram`, waits for the reply, and returns it as text.
#[track_caller]
fn ask(peer: &UdpPeer, server: &ServerThread, addr: SocketAddr, datagram: &[u8]) -> String {
    let reply = peer.ask(addr, datagram, server);
    String::from_utf8(reply.clone()).unwrap_or_else(|_| {
        Report::sent(format!("the request datagram {}", show(datagram)))
            .expected("a reply in UTF-8")
            .got(show(&reply))
            .cause("send the reply text's bytes (`reply.as_bytes()`)")
            .fail()
    })
}

#[test]
fn answers_words_over_udp() {
    let (server, addr) = start_server();
    let peer = UdpPeer::new();
    expect_reply(
        b"apple",
        &ask(&peer, &server, addr, b"apple"),
        "a round fruit",
        "serve should send reply_for's text back to the sender's address",
    );
    expect_reply(
        b"qwerty",
        &ask(&peer, &server, addr, b"qwerty"),
        NOT_FOUND,
        "serve should answer every datagram, in a loop",
    );
}

#[test]
fn keeps_serving_after_bad_requests() {
    let (server, addr) = start_server();
    let peer = UdpPeer::new();
    let too_long_datagram = vec![b'a'; MAX_DATAGRAM + 100];
    let bad: [&[u8]; 5] = [
        b"\xff\xfe",
        b"",
        b"   ",
        &[b'a'; MAX_WORD + 1],
        &too_long_datagram,
    ];
    for datagram in bad {
        let got = ask(&peer, &server, addr, datagram);
        expect_error_reply(
            datagram,
            &got,
            "a bad request gets an \"Error: …\" reply, not silence",
        );
    }
    expect_reply(
        b"apple",
        &ask(&peer, &server, addr, b"apple"),
        "a round fruit",
        "after bad requests the server must still answer good ones",
    );
}

#[rstest]
#[case::exactly_max_datagram(MAX_DATAGRAM, true)]
#[case::one_byte_too_many(MAX_DATAGRAM + 1, false)]
#[case::far_too_long(4000, false)]
fn refuses_over_long_datagrams_instead_of_cutting_them(
    #[case] size: usize,
    #[case] accepted: bool,
) {
    // `apple` and then spaces up to `size` bytes. Cut to MAX_DATAGRAM bytes,
    // a too-long one would look like a plain `apple` once trimmed: only a
    // server that notices the cut refuses it.
    let mut datagram = b"apple".to_vec();
    datagram.resize(size, b' ');
    let (server, addr) = start_server();
    let got = ask(&UdpPeer::new(), &server, addr, &datagram);
    if accepted {
        expect_reply(
            &datagram,
            &got,
            "a round fruit",
            "a datagram of exactly MAX_DATAGRAM bytes is allowed: is the receive buffer \
             MAX_DATAGRAM + 1 bytes, and is the test `n > MAX_DATAGRAM`?",
        );
    } else {
        expect_error_reply(
            &datagram,
            &got,
            "recv_from silently drops what does not fit in the buffer. Receive into \
             MAX_DATAGRAM + 1 bytes: if n > MAX_DATAGRAM the datagram was too long",
        );
    }
}

#[test]
fn answers_two_interleaved_clients_each_their_own_word() {
    let (server, addr) = start_server();
    let first = UdpPeer::new();
    let second = UdpPeer::new();
    first.send(addr, b"apple");
    second.send(addr, b"network");
    // Read in the other order: each reply must have gone to its own sender.
    let checks = [
        (
            &second,
            b"network".as_slice(),
            "computers that talk to each other",
        ),
        (&first, b"apple".as_slice(), "a round fruit"),
    ];
    for (peer, word, meaning) in checks {
        let sent = format!(
            "{} from {}, while another client asked too",
            show(word),
            peer.addr()
        );
        let (reply, from) = peer.recv(&server, &sent, meaning);
        if reply != meaning.as_bytes() || from != addr {
            Report::sent(sent)
                .expected(format!("{meaning:?} from {addr}"))
                .got(format!("{} from {from}", show(&reply)))
                .cause("reply to the address recv_from returned for *this* datagram")
                .fail();
        }
    }
}

// --- query: the test is the server ------------------------------------------

#[test]
fn query_returns_the_servers_reply() {
    let fake_server = UdpPeer::new();
    let server_addr = fake_server.addr();
    let client = loopback_udp();
    let client_addr = client.local_addr().expect("a bound socket has an address");
    let call = Task::spawn("udp_dict::query", move || {
        kit::query(&client, server_addr, "apple", TIMEOUT)
    });

    let (request, from) = fake_server.recv(
        &call,
        "query(socket, server, \"apple\", …)",
        "a datagram b\"apple\"",
    );
    if request != b"apple" || from != client_addr {
        Report::sent("query(socket, server, \"apple\", …)")
            .expected(format!("the datagram b\"apple\" from {client_addr}"))
            .got(format!("{} from {from}", show(&request)))
            .cause("send the word's bytes, alone, from the socket query was given")
            .fail();
    }
    fake_server.send(from, b"a round fruit");

    match call.join() {
        Ok(text) if text == "a round fruit" => {}
        other => Report::sent("query(…, \"apple\", …), answered with b\"a round fruit\"")
            .expected("Ok(\"a round fruit\")")
            .got(format!("{other:?}"))
            .cause("return the reply datagram's bytes as text, no more and no less")
            .fail(),
    }
}

#[test]
fn query_ignores_datagrams_from_other_addresses() {
    let fake_server = UdpPeer::new();
    let server_addr = fake_server.addr();
    let client = loopback_udp();
    let call = Task::spawn("udp_dict::query", move || {
        kit::query(&client, server_addr, "apple", TIMEOUT)
    });

    let (_, from) = fake_server.recv(
        &call,
        "query(socket, server, \"apple\", …)",
        "a datagram b\"apple\"",
    );
    // A stranger gets there first; only the second datagram is the answer.
    UdpPeer::new().send(from, b"I am not the server");
    fake_server.send(from, b"a round fruit");

    match call.join() {
        Ok(text) if text == "a round fruit" => {}
        other => Report::sent(format!(
            "query(…, \"apple\", …); then b\"I am not the server\" from a stranger, \
             then b\"a round fruit\" from the server {server_addr}"
        ))
        .expected("Ok(\"a round fruit\")")
        .got(format!("{other:?}"))
        .cause(
            "compare the address recv_from returns with `server`, and keep waiting when it differs",
        )
        .fail(),
    }
}

#[test]
fn query_times_out_when_no_reply_comes() {
    let silent_server = UdpPeer::new();
    let client = loopback_udp();
    let timeout = Duration::from_millis(200);

    let started = Instant::now();
    let got = kit::query(&client, silent_server.addr(), "apple", timeout);
    let waited = started.elapsed();

    let sent = format!("query(…, \"apple\", {timeout:?}) to a server that never answers");
    if !matches!(got, Err(QueryError::TimedOut { .. })) {
        Report::sent(&sent)
            .expected("Err(QueryError::TimedOut { .. })")
            .got(format!("{got:?}"))
            .cause("a read timeout shows up as io::ErrorKind::WouldBlock (or TimedOut): map it to QueryError::TimedOut")
            .fail();
    }
    if waited < timeout / 2 || waited > Duration::from_secs(2) {
        Report::sent(&sent)
            .expected(format!("to give up after about {timeout:?}"))
            .got(format!("it gave up after {waited:?}"))
            .cause(
                "set the socket's read timeout to what is left of `timeout` before each recv_from",
            )
            .fail();
    }
    // It did ask before giving up.
    let (request, _) = silent_server.recv(&(), &sent, "the request b\"apple\"");
    if request != b"apple" {
        Report::sent(sent.as_str())
            .expected("the datagram b\"apple\"")
            .got(show(&request))
            .cause("send the word's bytes, alone")
            .fail();
    }
}

// --- the programs -----------------------------------------------------------

/// A path for a database in a fresh temp folder (kept alive by the returned guard).
fn temp_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("creating a temp folder");
    let path = dir.path().join("dict.sqlite");
    let path = path.to_str().expect("temp paths are UTF-8").to_string();
    (dir, path)
}

#[test]
fn server_program_builds_its_database_and_answers() {
    let (_dir, db) = temp_db();
    let (server, addr) =
        Program::start_server(&["udp-dict-server", "--addr", "127.0.0.1:0", "--db", &db]);
    let reply = UdpPeer::new().ask(addr, b"apple", &server);
    let expected = meaning_in(WORDS_TSV, "apple");
    expect_reply(
        b"apple",
        &String::from_utf8_lossy(&reply),
        expected,
        "the program should build the database from data/words.tsv and serve it",
    );
    assert!(
        std::path::Path::new(&db).exists(),
        "`{}` answered: expected its database at {db}, got no such file",
        server.command_line()
    );
}

#[test]
fn server_program_serves_an_existing_database() {
    let (_dir, db) = temp_db();
    drop(
        Dictionary::create(db.as_ref(), TEST_WORDS)
            .expect("creating a database (given code) failed"),
    );
    let (server, addr) =
        Program::start_server(&["udp-dict-server", "--addr", "127.0.0.1:0", "--db", &db]);
    let reply = UdpPeer::new().ask(addr, b"bridge", &server);
    expect_reply(
        b"bridge",
        &String::from_utf8_lossy(&reply),
        "a way across a river",
        "the program should open the database given with --db",
    );
}

#[rstest]
#[case::on_an_empty_line(true)]
#[case::at_end_of_input(false)]
fn client_program_prints_word_and_meaning_then_quits(#[case] empty_line: bool) {
    let fake_server = UdpPeer::new();
    let server_addr = fake_server.addr().to_string();
    let mut client = Program::start(&["udp-dict-client", "--server", &server_addr]);

    client.type_line("apple");
    let (request, from) = fake_server.recv(
        &client,
        "typed `apple` at the prompt",
        "a datagram b\"apple\"",
    );
    if request != b"apple" {
        Report::sent("typed `apple` at the prompt")
            .expected("the datagram b\"apple\"")
            .got(show(&request))
            .cause("send the typed word without its newline")
            .fail();
    }
    fake_server.send(from, b"a round fruit");
    // The prompt `Word: ` has no newline, so it begins the same line.
    client.expect_line("`apple : a round fruit`", |line| {
        line.ends_with("apple : a round fruit")
    });

    if empty_line {
        client.type_line("");
    } else {
        client.close_stdin();
    }
    let status = client.wait_exit();
    assert!(
        status.success(),
        "`{}` after {}: expected exit status 0, got {status}; stderr: {}",
        client.command_line(),
        if empty_line {
            "an empty line"
        } else {
            "the end of input"
        },
        client.stderr_text()
    );
}

#[test]
fn client_and_server_programs_work_together() {
    let (_dir, db) = temp_db();
    // `_server` (not `_`): the program lives, and runs, until the test ends.
    let (_server, addr) =
        Program::start_server(&["udp-dict-server", "--addr", "127.0.0.1:0", "--db", &db]);
    let mut client = Program::start(&["udp-dict-client", "--server", &addr.to_string()]);
    let expected = format!("network : {}", meaning_in(WORDS_TSV, "network"));

    client.type_line("network");
    client.expect_line(&format!("`{expected}`"), |line| line.ends_with(&expected));
    client.type_line("");
    let status = client.wait_exit();
    assert!(
        status.success(),
        "`{}` after an empty line: expected exit status 0, got {status}",
        client.command_line()
    );
}
