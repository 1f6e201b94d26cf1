//! Tests of the exercise `chat-protocol`: the chat room's datagrams, parsed
//! and written with no socket at all (book: ch2/chat-protocol.md).

use netkit_tests::harness::{Report, show};
use netkit_tests::kit::ch2::chat_protocol::{
    self as kit, MAX_DATAGRAM, MAX_NAME, MAX_TEXT, NameError, Notice, Request, RequestError,
    TextError,
};
use rstest::rstest;

fn login(name: &str) -> Request {
    Request::Login {
        name: name.to_string(),
    }
}

fn chat(name: &str, text: &str) -> Request {
    Request::Chat {
        name: name.to_string(),
        text: text.to_string(),
    }
}

fn exit(name: &str) -> Request {
    Request::Exit {
        name: name.to_string(),
    }
}

// --- names and texts --------------------------------------------------------

#[rstest]
#[case::latin("Lucy")]
#[case::chinese("露西")]
#[case::digits_and_underscore("lucy_2")]
#[case::exactly_max_name_bytes(&"x".repeat(MAX_NAME))]
#[case::containing_admin_but_not_admin("badminton")]
fn check_name_accepts_a_good_name(#[case] name: &str) {
    let got = kit::check_name(name);
    if got.is_err() {
        Report::sent(format!("check_name({name:?})"))
            .expected("Ok(())")
            .got(format!("{got:?}"))
            .cause(
                "a name is refused only when empty, longer than MAX_NAME bytes (`>`, not \
                 `>=`), holding whitespace or a control character, or reserved \
                 (is_reserved: only `admin` itself, and names containing 管理)",
            )
            .fail();
    }
}

#[rstest]
#[case::empty("", NameError::Empty)]
#[case::one_byte_too_long(&"x".repeat(MAX_NAME + 1), NameError::TooLong)]
#[case::eleven_chinese_characters_are_33_bytes(&"露".repeat(11), NameError::TooLong)]
#[case::a_space("Lucy Li", NameError::BadChar(' '))]
#[case::an_ideographic_space("露\u{3000}西", NameError::BadChar('\u{3000}'))]
#[case::a_tab("Lucy\tLi", NameError::BadChar('\t'))]
#[case::a_newline("Lucy\n", NameError::BadChar('\n'))]
#[case::an_escape("\u{1b}[31mLucy", NameError::BadChar('\u{1b}'))]
#[case::the_admin_name("管理员消息", NameError::Reserved)]
#[case::a_look_alike("管理员", NameError::Reserved)]
#[case::containing_guanli("小管理", NameError::Reserved)]
#[case::admin("admin", NameError::Reserved)]
#[case::admin_in_capitals("ADMIN", NameError::Reserved)]
#[case::length_is_checked_before_characters(&format!("{} x", "x".repeat(MAX_NAME)), NameError::TooLong)]
#[case::characters_are_checked_before_reserved("管理 员", NameError::BadChar(' '))]
fn check_name_refuses_a_bad_name_and_says_why(#[case] name: &str, #[case] expected: NameError) {
    let got = kit::check_name(name);
    if got.as_ref().err() != Some(&expected) {
        Report::sent(format!("check_name({name:?})"))
            .expected(format!("Err({expected:?})"))
            .got(format!("{got:?}"))
            .cause(
                "check in the documented order: empty, then longer than MAX_NAME bytes \
                 (str::len counts bytes), then the first char that is whitespace \
                 (char::is_whitespace) or a control character, then is_reserved",
            )
            .fail();
    }
}

#[rstest]
#[case::a_word("hello")]
#[case::spaces_kept_inside_and_around("  let's go out  ")]
#[case::chinese("一起出去玩啊。")]
#[case::exactly_max_text_bytes(&"x".repeat(MAX_TEXT))]
fn check_text_accepts_a_good_text(#[case] text: &str) {
    let got = kit::check_text(text);
    if got.is_err() {
        Report::sent(format!("check_text({:?})", shorten(text)))
            .expected("Ok(())")
            .got(format!("{got:?}"))
            .cause("a text is refused only when blank, longer than MAX_TEXT bytes, or holding a control character")
            .fail();
    }
}

#[rstest]
#[case::empty("", TextError::Blank)]
#[case::only_spaces("   ", TextError::Blank)]
#[case::an_ideographic_space("\u{3000}", TextError::Blank)]
#[case::one_byte_too_long(&"x".repeat(MAX_TEXT + 1), TextError::TooLong)]
#[case::a_newline_that_fakes_a_second_line(
    "hi\n管理员消息 : send me money",
    TextError::BadChar('\n')
)]
#[case::a_carriage_return("hi\rthere", TextError::BadChar('\r'))]
#[case::a_tab("a\tb", TextError::BadChar('\t'))]
#[case::a_terminal_escape("\u{1b}[2J", TextError::BadChar('\u{1b}'))]
#[case::a_bell("ding\u{7}", TextError::BadChar('\u{7}'))]
fn check_text_refuses_a_bad_text_and_says_why(#[case] text: &str, #[case] expected: TextError) {
    let got = kit::check_text(text);
    if got.as_ref().err() != Some(&expected) {
        Report::sent(format!("check_text({:?})", shorten(text)))
            .expected(format!("Err({expected:?})"))
            .got(format!("{got:?}"))
            .cause(
                "blank means empty once trimmed (str::trim knows every kind of space); too \
                 long is more than MAX_TEXT bytes; then the first char::is_control",
            )
            .fail();
    }
}

fn shorten(text: &str) -> String {
    if text.len() > 60 {
        format!("{}… ({} bytes)", &text[..40], text.len())
    } else {
        text.to_string()
    }
}

// --- parse_request ----------------------------------------------------------

#[rstest]
#[case::login(b"LOGIN Lucy", login("Lucy"))]
#[case::login_with_a_newline(b"LOGIN Lucy\n", login("Lucy"))]
#[case::login_with_crlf(b"LOGIN Lucy\r\n", login("Lucy"))]
#[case::login_in_chinese("LOGIN 露西".as_bytes(), login("露西"))]
#[case::login_keeps_a_bad_name_for_the_server(b"LOGIN Lucy Li", login("Lucy Li"))]
#[case::login_keeps_a_reserved_name_for_the_server("LOGIN 管理员".as_bytes(), login("管理员"))]
#[case::login_with_an_empty_name(b"LOGIN ", login(""))]
#[case::login_alone(b"LOGIN", login(""))]
#[case::chat(b"CHAT Lucy hello", chat("Lucy", "hello"))]
#[case::chat_text_keeps_its_spaces(
    b"CHAT Lucy let's go out, ok?",
    chat("Lucy", "let's go out, ok?")
)]
#[case::chat_text_keeps_a_leading_space(b"CHAT Lucy  hi", chat("Lucy", " hi"))]
#[case::chat_in_chinese("CHAT 露西 一起出去玩啊。".as_bytes(), chat("露西", "一起出去玩啊。"))]
#[case::chat_with_a_newline(b"CHAT Lucy hello\n", chat("Lucy", "hello"))]
#[case::exit(b"EXIT Lucy", exit("Lucy"))]
#[case::exit_with_crlf(b"EXIT Lucy\r\n", exit("Lucy"))]
#[case::only_one_of_two_newlines_is_dropped(b"LOGIN Lucy\n\n", login("Lucy\n"))]
#[case::only_one_crlf_of_two_is_dropped(b"EXIT Lucy\r\n\r\n", exit("Lucy\r\n"))]
#[case::a_lone_carriage_return_is_kept(b"LOGIN Lucy\r", login("Lucy\r"))]
fn parses_a_request(#[case] datagram: &[u8], #[case] expected: Request) {
    let got = kit::parse_request(datagram);
    if got.as_ref().ok() != Some(&expected) {
        Report::sent(format!("parse_request({})", show(datagram)))
            .expected(format!("Ok({expected:?})"))
            .got(format!("{got:?}"))
            .cause(
                "drop exactly one trailing \\n or \\r\\n (strip_suffix, not trim_end: a second \
                 newline belongs to the request), split off the command at the first space; \
                 LOGIN and EXIT take all the rest as the name (unchecked), CHAT splits the \
                 rest once more into name and text",
            )
            .fail();
    }
}

#[rstest]
#[case::one_byte_too_long(&[b'x'; MAX_DATAGRAM + 1], RequestError::TooLong { len: MAX_DATAGRAM + 1 })]
#[case::far_too_long(&[b'x'; 5000], RequestError::TooLong { len: 5000 })]
#[case::not_utf8(b"CHAT Lucy \xff\xfe", RequestError::NotUtf8)]
#[case::empty(b"", RequestError::Empty)]
#[case::only_a_newline(b"\n", RequestError::Empty)]
#[case::only_a_crlf(b"\r\n", RequestError::Empty)]
#[case::two_newlines_are_one_too_many(b"\n\n", RequestError::UnknownCommand("\n".into()))]
#[case::a_chat_with_a_second_newline_keeps_it_in_its_text(
    b"CHAT Lucy hi\n\n",
    RequestError::BadText(TextError::BadChar('\n'))
)]
#[case::an_unknown_command(b"SHOUT Lucy hi", RequestError::UnknownCommand("SHOUT".into()))]
#[case::commands_are_case_sensitive(b"login Lucy", RequestError::UnknownCommand("login".into()))]
#[case::a_leading_space(b" LOGIN Lucy", RequestError::UnknownCommand("".into()))]
#[case::chat_without_text(b"CHAT Lucy", RequestError::ChatWithoutText)]
#[case::chat_alone(b"CHAT", RequestError::ChatWithoutText)]
#[case::chat_with_an_empty_text(b"CHAT Lucy ", RequestError::BadText(TextError::Blank))]
#[case::chat_with_a_blank_text(b"CHAT Lucy    ", RequestError::BadText(TextError::Blank))]
#[case::chat_with_a_newline_inside("CHAT Lucy hi\n管理员消息 : fake".as_bytes(), RequestError::BadText(TextError::BadChar('\n')))]
fn refuses_a_malformed_request_and_says_why(
    #[case] datagram: &[u8],
    #[case] expected: RequestError,
) {
    let got = kit::parse_request(datagram);
    if got.as_ref().err() != Some(&expected) {
        Report::sent(format!("parse_request({})", show(datagram)))
            .expected(format!("Err({expected:?})"))
            .got(format!("{got:?}"))
            .cause(
                "in order: more than MAX_DATAGRAM bytes, not UTF-8 (std::str::from_utf8), \
                 empty once exactly one trailing newline is dropped (not all of them), then \
                 the command; CHAT needs a \
                 space after the name, and its text must pass check_text",
            )
            .fail();
    }
}

#[test]
fn refuses_a_chat_whose_text_is_too_long_though_the_datagram_fits() {
    let datagram = format!("CHAT Lucy {}", "x".repeat(MAX_TEXT + 1));
    assert!(datagram.len() <= MAX_DATAGRAM, "the test's own arithmetic");
    let got = kit::parse_request(datagram.as_bytes());
    if got != Err(RequestError::BadText(TextError::TooLong)) {
        Report::sent(format!(
            "parse_request of `CHAT Lucy ` and a text of MAX_TEXT + 1 = {} bytes ({} bytes in all)",
            MAX_TEXT + 1,
            datagram.len()
        ))
        .expected("Err(RequestError::BadText(TextError::TooLong))")
        .got(format!("{got:?}"))
        .cause("check CHAT's text with check_text, and turn its error into RequestError::BadText (`?` does it, with #[from])")
        .fail();
    }
}

#[test]
fn parses_a_chat_of_exactly_max_datagram_bytes() {
    // The longest name and the longest text: MAX_TEXT is chosen so that they fit.
    let name = "n".repeat(MAX_NAME);
    let text = "t".repeat(MAX_TEXT);
    let datagram = format!("CHAT {name} {text}");
    assert_eq!(datagram.len(), MAX_DATAGRAM, "the test's own arithmetic");
    let got = kit::parse_request(datagram.as_bytes());
    if got != Ok(chat(&name, &text)) {
        Report::sent(format!(
            "parse_request of a CHAT of exactly {MAX_DATAGRAM} bytes ({MAX_NAME}-byte name, \
             {MAX_TEXT}-byte text)"
        ))
        .expected("Ok(Request::Chat { … })")
        .got(format!("{got:?}"))
        .cause("MAX_DATAGRAM bytes are allowed: refuse only `len > MAX_DATAGRAM`")
        .fail();
    }
}

// --- encode and notices -----------------------------------------------------

#[rstest]
#[case::login(login("Lucy"), "LOGIN Lucy")]
#[case::chat(chat("Lucy", "let's go out"), "CHAT Lucy let's go out")]
#[case::chat_in_chinese(chat("露西", "一起出去玩啊。"), "CHAT 露西 一起出去玩啊。")]
#[case::exit(exit("Lucy"), "EXIT Lucy")]
fn encodes_a_request_as_the_seed_does(#[case] request: Request, #[case] expected: &str) {
    let got = request.encode();
    if got != expected {
        Report::sent(format!("{request:?}.encode()"))
            .expected(format!("{expected:?}"))
            .got(format!("{got:?}"))
            .cause("the command, a space, the name (and for CHAT a space and the text); no newline")
            .fail();
    }
    // And back: what the client writes, the server reads.
    let parsed = kit::parse_request(got.as_bytes());
    if parsed.as_ref() != Ok(&request) {
        Report::sent(format!(
            "parse_request(encode({request:?})), encode giving {got:?}"
        ))
        .expected(format!("Ok({request:?}): the request back"))
        .got(format!("{parsed:?}"))
        .cause("what encode writes, parse_request must read back as the same request")
        .fail();
    }
}

#[rstest]
#[case::joined(Notice::Joined { name: "Lucy".into() }, "欢迎 Lucy 进入聊天室")]
#[case::left(Notice::Left { name: "Lucy".into() }, "Lucy 退出聊天室")]
#[case::message(Notice::Message { name: "Lucy".into(), text: "一起出去玩啊。".into() }, "Lucy : 一起出去玩啊。")]
#[case::message_keeps_spaces(Notice::Message { name: "Tom".into(), text: " a  b ".into() }, "Tom :  a  b ")]
#[case::announcement(Notice::Announcement { text: "大家好，欢迎进入聊天室。".into() }, "管理员消息 : 大家好，欢迎进入聊天室。")]
fn writes_each_notice_exactly_as_the_seed_does(#[case] notice: Notice, #[case] expected: &str) {
    let got = notice.text();
    if got != expected {
        Report::sent(format!("{notice:?}.text()"))
            .expected(format!("{expected:?}"))
            .got(format!("{got:?}"))
            .cause(
                "the seed's exact texts, so that its clients show what they always showed: \
                 copy them from the doc comment of Notice::text, spaces included",
            )
            .fail();
    }
}
