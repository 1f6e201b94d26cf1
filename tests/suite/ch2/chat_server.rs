//! Tests of the exercise `chat-server`: the chat room over UDP
//! (book: ch2/chat-server.md).
//!
//! First the `Room`'s decisions, with no socket. Then `serve` on a thread,
//! the announcer, and the `chat-server` program: the test plays every user
//! with a `UdpPeer` of its own, so it sees exactly what each user receives.
//! "Nobody got X" is never waited out: after the moment X could have been
//! sent, a user sends a legitimate message, and the test checks that *it* is
//! the next datagram each of the others receives.

use netkit_tests::harness::{Program, Report, ServerThread, UdpPeer, loopback_udp, show};
use netkit_tests::kit::ch2::chat_protocol::{FAIL, MAX_DATAGRAM, MAX_NAME, MAX_TEXT, OK};
use netkit_tests::kit::ch2::chat_server::{self as kit, AnnounceError, Announcer, Outgoing, Room};
use rstest::rstest;
use std::net::SocketAddr;

/// The room under test: `serve` on its thread, and its announcer.
struct TestRoom {
    server: ServerThread,
    addr: SocketAddr,
    announcer: Announcer,
}

/// A user of the room, played by the test.
struct User {
    name: String,
    peer: UdpPeer,
}

fn start_room() -> TestRoom {
    let socket = loopback_udp();
    let addr = socket.local_addr().expect("a bound socket has an address");
    let (announcer, announcements) =
        Announcer::new(&socket).expect("Announcer::new (given code) failed");
    let server = ServerThread::spawn("chat_server::serve", move || {
        kit::serve(socket, announcements)
    });
    TestRoom {
        server,
        addr,
        announcer,
    }
}

impl TestRoom {
    /// Sends `LOGIN name` from `peer` and returns the answer's text.
    #[track_caller]
    fn login_answer(&self, peer: &UdpPeer, name: &str) -> String {
        let datagram = format!("LOGIN {name}");
        let answer = peer.ask(self.addr, datagram.as_bytes(), &self.server);
        String::from_utf8_lossy(&answer).into_owned()
    }

    /// A new user who joins as `name` and gets `OK`.
    #[track_caller]
    fn join(&self, name: &str) -> User {
        let peer = UdpPeer::new();
        let answer = self.login_answer(&peer, name);
        if answer != OK {
            Report::sent(format!("LOGIN {name} from {}, a new address", peer.addr()))
                .expected(format!("{OK:?}"))
                .got(format!("{answer:?}"))
                .cause("a valid name that nobody has gets OK, sent back to the sender's address")
                .fail();
        }
        User {
            name: name.to_string(),
            peer,
        }
    }
}

impl TestRoom {
    /// Lucy, then Tom join; Lucy has received Tom's join notice, so the
    /// next datagram each gets is new.
    #[track_caller]
    fn join_two(&self) -> [User; 2] {
        let lucy = self.join("Lucy");
        let tom = self.join("Tom");
        lucy.expect_next(
            self,
            "Lucy, Tom joined",
            &joined("Tom"),
            "Lucy hears of Tom",
        );
        [lucy, tom]
    }

    /// Lucy, Tom and Ann join, in that order, and each has received the
    /// join notices of those after them: the next datagram each gets is new.
    #[track_caller]
    fn join_three(&self) -> [User; 3] {
        let [lucy, tom] = self.join_two();
        let ann = self.join("Ann");
        for user in [&lucy, &tom] {
            let cause = format!("{} hears of Ann", user.name);
            user.expect_next(self, "Lucy, Tom, Ann joined", &joined("Ann"), &cause);
        }
        [lucy, tom, ann]
    }
}

impl User {
    /// Sends one datagram to the room.
    fn send(&self, room: &TestRoom, datagram: &[u8]) {
        self.peer.send(room.addr, datagram);
    }

    /// Says `text` in the room: `CHAT name text`.
    fn say(&self, room: &TestRoom, text: &str) {
        self.say_to(room.addr, text);
    }

    /// Says `text` to the server at `addr`.
    fn say_to(&self, addr: SocketAddr, text: &str) {
        self.peer
            .send(addr, format!("CHAT {} {text}", self.name).as_bytes());
    }

    /// Fails with a report unless the next datagram this user receives is
    /// `expected`, from the server. `did` says what happened before.
    #[track_caller]
    fn expect_next(&self, room: &TestRoom, did: &str, expected: &str, cause: &str) {
        let wanted = format!("{expected:?} as the next datagram to {}", self.name);
        let (got, from) = self.peer.recv(&room.server, did, &wanted);
        if got != expected.as_bytes() || from != room.addr {
            Report::sent(did)
                .expected(format!("{wanted}, from the server {}", room.addr))
                .got(format!("{} from {from}", show(&got)))
                .cause(cause)
                .fail();
        }
    }
}

fn joined(name: &str) -> String {
    format!("欢迎 {name} 进入聊天室")
}

fn left(name: &str) -> String {
    format!("{name} 退出聊天室")
}

fn said(name: &str, text: &str) -> String {
    format!("{name} : {text}")
}

fn announced(text: &str) -> String {
    format!("管理员消息 : {text}")
}

// --- the Room: decisions, no socket -----------------------------------------

/// An address on loopback, for the Room's tests (nothing is sent to it).
fn at(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn to(addr: SocketAddr, text: &str) -> Outgoing {
    Outgoing {
        to: addr,
        text: text.to_string(),
    }
}

/// Fails unless `got` holds the datagrams of `expected`, in any order.
#[track_caller]
fn expect_sends(did: &str, got: Vec<Outgoing>, expected: &[Outgoing], cause: &str) {
    let sorted = |list: &[Outgoing]| {
        let mut list = list.to_vec();
        list.sort_by_key(|o| (o.to, o.text.clone()));
        list
    };
    if sorted(&got) != sorted(expected) {
        Report::sent(did)
            .expected(format!("to send {expected:?} (in any order)"))
            .got(format!("{got:?}"))
            .cause(cause)
            .fail();
    }
}

/// A room with Lucy at :5001, Tom at :5002 and Ann at :5003.
fn room_of_three() -> Room {
    let mut room = Room::new();
    for (port, name) in [(5001, "Lucy"), (5002, "Tom"), (5003, "Ann")] {
        let _ = room.login(at(port), name);
    }
    expect_members(
        &room,
        "Room::login of Lucy (:5001), Tom (:5002) and Ann (:5003), each from an address of their own",
        &[
            (5001, Some("Lucy")),
            (5002, Some("Tom")),
            (5003, Some("Ann")),
        ],
        3,
        "a free, valid name from a new address makes that address a member",
    );
    room
}

/// Fails unless `room.name_of` gives each `(port, name)` of `expected` and
/// `room.len()` is `len`.
#[track_caller]
fn expect_members(
    room: &Room,
    did: &str,
    expected: &[(u16, Option<&str>)],
    len: usize,
    cause: &str,
) {
    let got: Vec<(u16, Option<&str>)> = expected
        .iter()
        .map(|&(port, _)| (port, room.name_of(at(port))))
        .collect();
    if got != expected || room.len() != len {
        let show = |members: &[(u16, Option<&str>)]| -> String {
            let each: Vec<String> = members
                .iter()
                .map(|(port, name)| format!("name_of(:{port}) = {name:?}"))
                .collect();
            each.join(", ")
        };
        Report::sent(did)
            .expected(format!("{}, and len() = {len}", show(expected)))
            .got(format!("{}, and len() = {}", show(&got), room.len()))
            .cause(cause)
            .fail();
    }
}

#[test]
fn room_admits_a_newcomer_with_ok_and_tells_the_others() {
    let mut room = Room::new();
    let (lucy, tom) = (at(5001), at(5002));
    expect_sends(
        "Room::login(:5001, \"Lucy\") in an empty room",
        room.login(lucy, "Lucy"),
        &[to(lucy, OK)],
        "a free, valid name: OK to the sender, and nobody else to tell",
    );
    expect_sends(
        "Lucy joined; then Room::login(:5002, \"Tom\")",
        room.login(tom, "Tom"),
        &[to(tom, OK), to(lucy, &joined("Tom"))],
        "OK to the newcomer, and `欢迎 Tom 进入聊天室` to every *other* member",
    );
    expect_members(
        &room,
        "Room::login(:5001, \"Lucy\"), then Room::login(:5002, \"Tom\")",
        &[(5001, Some("Lucy")), (5002, Some("Tom"))],
        2,
        "after two logins the room maps each address to its name",
    );
}

#[test]
fn room_refuses_a_bad_name_a_taken_name_and_a_second_name() {
    let mut room = Room::new();
    let (lucy, other) = (at(5001), at(5002));
    let _ = room.login(lucy, "Lucy");
    let cases = [
        (other, "Lucy", FAIL, "the name is taken by another address"),
        (other, "", FAIL, "an empty name fails check_name"),
        (
            other,
            "Lucy Li",
            FAIL,
            "a name with a space fails check_name",
        ),
        (other, "管理员", FAIL, "a reserved name fails check_name"),
        (
            lucy,
            "Lucy2",
            FAIL,
            "an address is in the room once, under one name",
        ),
        (
            lucy,
            "Lucy",
            OK,
            "the same address and name again is a retry: OK again",
        ),
    ];
    for (from, name, answer, why) in cases {
        let port = from.port();
        expect_sends(
            &format!("Lucy joined from :5001; then Room::login(:{port}, {name:?})"),
            room.login(from, name),
            &[to(from, answer)],
            &format!("{answer} and nothing else: {why}"),
        );
    }
    expect_members(
        &room,
        "Lucy joined from :5001; then the refused and repeated logins above",
        &[(5001, Some("Lucy")), (5002, None)],
        1,
        "refused and repeated logins must not change the room",
    );
}

#[test]
fn room_passes_a_message_on_only_from_the_speakers_own_address() {
    let room = room_of_three();
    let (lucy, tom, ann, stranger) = (at(5001), at(5002), at(5003), at(6000));
    expect_sends(
        "Room::chat(:5001, \"Lucy\", \"hi\") from Lucy's own address",
        room.chat(lucy, "Lucy", "hi"),
        &[to(tom, &said("Lucy", "hi")), to(ann, &said("Lucy", "hi"))],
        "`Lucy : hi` to every member but the speaker",
    );
    for (from, who) in [(tom, "Tom's address"), (stranger, "a stranger's address")] {
        expect_sends(
            &format!(
                "Room::chat(:{}, \"Lucy\", \"fake\") from {who}",
                from.port()
            ),
            room.chat(from, "Lucy", "fake"),
            &[],
            "the address decides who speaks: a name that is not the sender's own gets nothing sent",
        );
    }
}

#[test]
fn room_lets_only_the_member_themselves_leave() {
    let mut room = room_of_three();
    let (lucy, tom, ann) = (at(5001), at(5002), at(5003));
    expect_sends(
        "Room::exit(:5002, \"Lucy\") from Tom's address",
        room.exit(tom, "Lucy"),
        &[],
        "only Lucy's own address may make Lucy leave: nothing changes, nothing is sent",
    );
    expect_members(
        &room,
        "Lucy, Tom, Ann joined; then Room::exit(:5002, \"Lucy\") from Tom's address",
        &[
            (5001, Some("Lucy")),
            (5002, Some("Tom")),
            (5003, Some("Ann")),
        ],
        3,
        "a forged EXIT must not remove anyone",
    );
    expect_sends(
        "Room::exit(:5001, \"Lucy\") from Lucy's own address",
        room.exit(lucy, "Lucy"),
        &[to(tom, &left("Lucy")), to(ann, &left("Lucy"))],
        "remove her, then `Lucy 退出聊天室` to every member left",
    );
    expect_members(
        &room,
        "Lucy, Tom, Ann joined; then Room::exit(:5001, \"Lucy\") from Lucy's own address",
        &[(5001, None), (5002, Some("Tom")), (5003, Some("Ann"))],
        2,
        "an EXIT from the member's own address removes them: after Lucy's EXIT the room \
         has Tom and Ann only",
    );
    expect_sends(
        "Lucy left; then Room::exit(:5001, \"Lucy\") again",
        room.exit(lucy, "Lucy"),
        &[],
        "someone who is not in the room cannot leave it again",
    );
}

#[test]
fn room_announces_to_every_member() {
    let room = room_of_three();
    let text = "大家好，欢迎进入聊天室。";
    expect_sends(
        &format!("Room::announce({text:?}) to Lucy, Tom and Ann"),
        room.announce(text),
        &[at(5001), at(5002), at(5003)].map(|addr| to(addr, &announced(text))),
        "an announcement goes to every member, as `管理员消息 : <text>`",
    );
}

// --- serve: joining ---------------------------------------------------------

#[test]
fn serve_answers_ok_to_a_login_with_a_free_name() {
    let room = start_room();
    room.join("Lucy");
    room.join("露西");
}

#[rstest]
#[case::an_empty_name("")]
#[case::a_name_with_a_space("Lucy Li")]
#[case::a_name_too_long(&"x".repeat(MAX_NAME + 1))]
#[case::the_administrators_name("管理员消息")]
#[case::a_look_alike_of_the_administrator("管理员")]
#[case::admin("admin")]
fn serve_answers_fail_to_a_bad_name_and_lets_the_sender_try_again(#[case] name: &str) {
    let room = start_room();
    let peer = UdpPeer::new();
    let answer = room.login_answer(&peer, name);
    if answer != FAIL {
        Report::sent(format!("LOGIN {name}"))
            .expected(format!("{FAIL:?}"))
            .got(format!("{answer:?}"))
            .cause("check the name with check_name before letting anyone in, and answer FAIL when it fails")
            .fail();
    }
    let again = room.login_answer(&peer, "Lucy");
    if again != OK {
        Report::sent(format!(
            "LOGIN {name} (answered FAIL), then LOGIN Lucy from the same address"
        ))
        .expected(format!("{OK:?}"))
        .got(format!("{again:?}"))
        .cause("a refused login must not make the address a member")
        .fail();
    }
}

#[test]
fn serve_answers_fail_to_a_name_that_is_taken() {
    let room = start_room();
    let lucy = room.join("Lucy");
    let other = UdpPeer::new();
    let answer = room.login_answer(&other, "Lucy");
    if answer != FAIL {
        Report::sent("Lucy joined; then LOGIN Lucy from another address")
            .expected(format!("{FAIL:?}"))
            .got(format!("{answer:?}"))
            .cause("names are unique in the room: look for the name among the members first")
            .fail();
    }
    // The first Lucy is still the only one: the other address is no member.
    let tom = room.join("Tom");
    lucy.expect_next(
        &room,
        "Lucy joined; another address was refused the name Lucy; Tom joined",
        &joined("Tom"),
        "only Tom's join should reach Lucy",
    );
    tom.say(&room, "hi");
    lucy.expect_next(
        &room,
        "… then Tom said hi",
        &said("Tom", "hi"),
        "the refused address must not have replaced Lucy as a member",
    );
}

#[test]
fn serve_tells_the_others_when_someone_joins_but_not_the_newcomer() {
    let room = start_room();
    let lucy = room.join("Lucy");
    let tom = room.join("Tom");
    lucy.expect_next(
        &room,
        "Lucy joined, then Tom joined",
        &joined("Tom"),
        "when someone joins, every other member gets `欢迎 <name> 进入聊天室`",
    );
    let ann = room.join("Ann");
    for user in [&lucy, &tom] {
        user.expect_next(
            &room,
            "Lucy, Tom, then Ann joined",
            &joined("Ann"),
            "every member already in the room hears of the newcomer",
        );
    }
    // The newcomer got OK, and no welcome of their own: the next thing each
    // receives is Lucy's message.
    lucy.say(&room, "hello all");
    for user in [&tom, &ann] {
        user.expect_next(
            &room,
            "Lucy, Tom, Ann joined (Tom and Ann got OK); then Lucy said `hello all`",
            &said("Lucy", "hello all"),
            "the newcomer gets OK, not the join notice about themselves: tell the \
             others *before* adding the newcomer, or skip the newcomer's address",
        );
    }
}

#[test]
fn serve_answers_ok_again_to_a_repeated_login_but_refuses_a_second_name() {
    let room = start_room();
    let tom = room.join("Tom");
    let lucy = room.join("Lucy");
    tom.expect_next(
        &room,
        "Tom, then Lucy joined",
        &joined("Lucy"),
        "Tom hears of Lucy",
    );

    let again = room.login_answer(&lucy.peer, "Lucy");
    if again != OK {
        Report::sent(
            "Lucy joined; then LOGIN Lucy again from Lucy's address (her OK may have been lost)",
        )
        .expected(format!("{OK:?}, and nothing else"))
        .got(format!("{again:?}"))
        .cause("the same address asking for the same name again is a retry: answer OK again")
        .fail();
    }
    let second = room.login_answer(&lucy.peer, "Lucy2");
    if second != FAIL {
        Report::sent("Lucy joined; then LOGIN Lucy2 from Lucy's address")
            .expected(format!("{FAIL:?}"))
            .got(format!("{second:?}"))
            .cause("an address is in the room once, under one name: refuse another name")
            .fail();
    }
    lucy.say(&room, "still me");
    tom.expect_next(
        &room,
        "Tom, Lucy joined; Lucy's address sent LOGIN Lucy again, then LOGIN Lucy2; then Lucy said `still me`",
        &said("Lucy", "still me"),
        "a repeated login is no new join (no second notice), and a refused one changes nothing",
    );
}

// --- messages and leaving ---------------------------------------------------

#[test]
fn serve_passes_a_message_to_everyone_but_the_speaker() {
    let room = start_room();
    let [lucy, tom] = room.join_two();

    lucy.say(&room, "一起出去玩啊。");
    tom.expect_next(
        &room,
        "Lucy said `一起出去玩啊。`",
        &said("Lucy", "一起出去玩啊。"),
        "every other member gets `<name> : <text>`",
    );
    tom.say(&room, "好啊 let's go");
    lucy.expect_next(
        &room,
        "Lucy said `一起出去玩啊。`, then Tom said `好啊 let's go`",
        &said("Tom", "好啊 let's go"),
        "the speaker must not get their own message back: skip the sender's address",
    );
}

#[test]
fn serve_passes_a_message_to_ten_members() {
    let room = start_room();
    let speaker = room.join("speaker");
    let listeners: Vec<User> = (0..10)
        .map(|i| room.join(&format!("listener{i}")))
        .collect();
    // Each listener has heard of those who joined after it: read past them.
    for (i, listener) in listeners.iter().enumerate() {
        for later in &listeners[i + 1..] {
            listener.expect_next(
                &room,
                "eleven members joined one after the other",
                &joined(&later.name),
                "each member hears of every later one, in order",
            );
        }
    }
    speaker.say(&room, "can everybody hear me?");
    for listener in &listeners {
        listener.expect_next(
            &room,
            "eleven members joined; the first said `can everybody hear me?`",
            &said("speaker", "can everybody hear me?"),
            "send the message to every member but the speaker",
        );
    }
}

#[test]
fn serve_passes_a_message_of_the_longest_name_and_text() {
    let room = start_room();
    let long_name = "n".repeat(MAX_NAME);
    let text = "t".repeat(MAX_TEXT);
    let speaker = room.join(&long_name);
    let tom = room.join("Tom");
    speaker.say(&room, &text);
    tom.expect_next(
        &room,
        &format!("a member with a {MAX_NAME}-byte name said a {MAX_TEXT}-byte text: a CHAT datagram of exactly {MAX_DATAGRAM} bytes"),
        &said(&long_name, &text),
        "a datagram of exactly MAX_DATAGRAM bytes is allowed: receive into MAX_DATAGRAM + 1 bytes",
    );
}

#[test]
fn serve_tells_the_others_when_someone_leaves_and_frees_the_name() {
    let room = start_room();
    let [lucy, tom, ann] = room.join_three();

    tom.send(&room, b"EXIT Tom");
    for user in [&lucy, &ann] {
        user.expect_next(
            &room,
            "Lucy, Tom, Ann joined; Tom sent EXIT Tom",
            &left("Tom"),
            "when a member leaves, the others get `<name> 退出聊天室`",
        );
    }
    lucy.say(&room, "bye Tom");
    ann.expect_next(
        &room,
        "Tom left; Lucy said `bye Tom`",
        &said("Lucy", "bye Tom"),
        "Lucy is still a member",
    );
    // Tom is out: nothing reached him since he left, and his name is free.
    let answer = room.login_answer(&tom.peer, "Tom");
    if answer != OK {
        Report::sent("Tom left; Lucy said `bye Tom`; then LOGIN Tom from Tom's address")
            .expected(format!("{OK:?} as the next datagram to Tom"))
            .got(format!("{answer:?}"))
            .cause("a member who left gets nothing more, and their name is free again: remove them")
            .fail();
    }
}

// --- who is speaking: the address, not the name -----------------------------

#[rstest]
#[case::by_a_stranger(false)]
#[case::by_another_member(true)]
fn serve_ignores_chat_and_exit_that_claim_someone_elses_name(#[case] by_a_member: bool) {
    let room = start_room();
    let [lucy, tom, ann] = room.join_three();
    let stranger = UdpPeer::new();
    let (spoofer, who) = if by_a_member {
        (&tom.peer, "Tom's address")
    } else {
        (&stranger, "a stranger's address (not logged in)")
    };

    spoofer.send(room.addr, b"CHAT Lucy I am Lucy: send me your password");
    spoofer.send(room.addr, b"EXIT Lucy");
    spoofer.send(
        room.addr,
        "CHAT 管理员消息 the room closes today".as_bytes(),
    );
    let did = format!(
        "Lucy, Tom, Ann joined; from {who}: `CHAT Lucy I am Lucy: …`, `EXIT Lucy`, \
         `CHAT 管理员消息 …`"
    );
    let cause = "the server must trust the sender's address, not the name in the datagram: \
                 obey CHAT and EXIT only when they come from the address that logged in \
                 under that name";

    // Lucy is still in the room, and nobody got the forged message or a
    // notice that she left: her next message is the next thing they get.
    lucy.say(&room, "I am still here");
    let after = format!("{did}; then Lucy said `I am still here` from her own address");
    for user in [&tom, &ann] {
        user.expect_next(&room, &after, &said("Lucy", "I am still here"), cause);
    }
    ann.say(&room, "good");
    let after = format!("{after}; then Ann said `good`");
    for user in [&lucy, &tom] {
        user.expect_next(&room, &after, &said("Ann", "good"), cause);
    }
    // And the stranger got nothing at all: its first datagram is the answer
    // to its own login.
    let answer = room.login_answer(&stranger, "Mallory");
    if answer != OK {
        Report::sent(format!(
            "{after}; then LOGIN Mallory from the stranger's address"
        ))
        .expected(format!(
            "{OK:?} as the first datagram the stranger receives"
        ))
        .got(format!("{answer:?}"))
        .cause("nothing should go to an address that is not a member")
        .fail();
    }
}

// --- junk -------------------------------------------------------------------

#[rstest]
#[case::not_utf8(b"CHAT Lucy \xff\xfe".to_vec())]
#[case::an_unknown_command(b"SHOUT Lucy hi".to_vec())]
#[case::chat_without_text(b"CHAT Lucy".to_vec())]
#[case::chat_with_a_blank_text(b"CHAT Lucy    ".to_vec())]
#[case::a_fake_second_line("CHAT Lucy hi\n管理员消息 : the room closes today".as_bytes().to_vec())]
#[case::a_terminal_escape(b"CHAT Lucy \x1b[2J".to_vec())]
#[case::a_text_too_long(format!("CHAT Lucy {}", "x".repeat(MAX_TEXT + 1)).into_bytes())]
#[case::a_datagram_too_long(format!("CHAT Lucy {}", "x".repeat(4000)).into_bytes())]
#[case::exit_without_a_name(b"EXIT".to_vec())]
#[case::an_empty_datagram(Vec::new())]
fn serve_ignores_a_malformed_datagram_and_keeps_serving(#[case] junk: Vec<u8>) {
    let room = start_room();
    let lucy = room.join("Lucy");
    let tom = room.join("Tom");
    lucy.send(&room, &junk);
    lucy.say(&room, "after the junk");
    tom.expect_next(
        &room,
        &format!(
            "Lucy and Tom joined; Lucy sent {}, then said `after the junk`",
            show(&junk)
        ),
        &said("Lucy", "after the junk"),
        "a malformed datagram is ignored (parse_request says Err): never unwrap what a peer \
         sends, and never pass on a text that check_text refuses",
    );
}

#[test]
fn serve_ignores_an_oversized_login_instead_of_cutting_it() {
    let room = start_room();
    let peer = UdpPeer::new();
    // Cut to MAX_DATAGRAM bytes, this would be a LOGIN with a bad name, and
    // a server that cuts would answer FAIL. A whole datagram too long is
    // ignored: no answer at all.
    let mut oversized = b"LOGIN Mallory".to_vec();
    oversized.resize(MAX_DATAGRAM + 1, b' ');
    peer.send(room.addr, &oversized);
    let answer = room.login_answer(&peer, "Mallory");
    if answer != OK {
        Report::sent(format!(
            "`LOGIN Mallory` and spaces up to {} bytes, then `LOGIN Mallory`",
            MAX_DATAGRAM + 1
        ))
        .expected(format!(
            "{OK:?} (the answer to the second) as the first datagram back"
        ))
        .got(format!("{answer:?}"))
        .cause(
            "recv_from silently cuts a datagram to the buffer: receive into MAX_DATAGRAM + 1 \
             bytes, and hand parse_request all `n` bytes, so that it refuses the long one",
        )
        .fail();
    }
}

// --- announcements ----------------------------------------------------------

#[test]
fn serve_sends_announcements_to_every_member() {
    let room = start_room();
    room.announcer
        .announce("nobody is here yet")
        .expect("announcing to an empty room is fine");
    let [lucy, tom] = room.join_two();

    room.announcer
        .announce("大家好，欢迎进入聊天室。")
        .expect("the announcement should be accepted");
    for user in [&lucy, &tom] {
        user.expect_next(
            &room,
            "Lucy and Tom joined; the operator announced `大家好，欢迎进入聊天室。`",
            &announced("大家好，欢迎进入聊天室。"),
            "Announcer::announce puts the text in the channel and wakes the loop with an \
             empty datagram; after every datagram, serve sends what waits in the channel \
             to every member",
        );
    }
    room.announcer.announce("one").expect("accepted");
    room.announcer.announce("two").expect("accepted");
    for user in [&lucy, &tom] {
        for text in ["one", "two"] {
            user.expect_next(
                &room,
                "the operator announced `one`, then `two`",
                &announced(text),
                "send every announcement waiting in the channel, in order (try_recv in a loop)",
            );
        }
    }
}

#[rstest]
#[case::blank("   ")]
#[case::a_newline("hi\nthere")]
#[case::too_long(&"x".repeat(MAX_TEXT + 1))]
fn the_announcer_refuses_a_bad_text(#[case] text: &str) {
    let socket = loopback_udp();
    let (announcer, _announcements) =
        Announcer::new(&socket).expect("Announcer::new (given code) failed");
    let got = announcer.announce(text);
    if !matches!(got, Err(AnnounceError::BadText(_))) {
        Report::sent(format!("announce({:?})", &text[..text.len().min(40)]))
            .expected("Err(AnnounceError::BadText(…))")
            .got(format!("{got:?}"))
            .cause("an announcement is a text like any other: check it with check_text first")
            .fail();
    }
}

#[test]
fn the_announcer_reports_a_server_that_has_stopped() {
    let socket = loopback_udp();
    let (announcer, announcements) =
        Announcer::new(&socket).expect("Announcer::new (given code) failed");
    drop(announcements);
    let got = announcer.announce("anyone there?");
    if !matches!(got, Err(AnnounceError::ServerGone)) {
        Report::sent("announce(\"anyone there?\") after the channel's receiver was dropped")
            .expected("Err(AnnounceError::ServerGone)")
            .got(format!("{got:?}"))
            .cause("Sender::send fails when the receiver is gone: map that error to ServerGone")
            .fail();
    }
}

// --- the program ------------------------------------------------------------

/// A user who joins the room run by `program` at `addr`.
#[track_caller]
fn join_program(program: &Program, addr: SocketAddr, name: &str) -> User {
    let peer = UdpPeer::new();
    let answer = peer.ask(addr, format!("LOGIN {name}").as_bytes(), program);
    if answer != OK.as_bytes() {
        Report::sent(format!("LOGIN {name} to `{}`", program.command_line()))
            .expected(format!("{OK:?}"))
            .got(show(&answer))
            .cause("the program should run chat_server::serve on the socket it announced")
            .fail();
    }
    User {
        name: name.to_string(),
        peer,
    }
}

/// Fails unless the next datagram `user` gets from `program` is `expected`.
#[track_caller]
fn expect_from_program(program: &Program, user: &User, did: &str, expected: &str) {
    let (got, _) = user.peer.recv(program, did, expected);
    if got != expected.as_bytes() {
        Report::sent(did)
            .expected(format!(
                "{expected:?} as the next datagram to {}",
                user.name
            ))
            .got(show(&got))
            .cause("the program should hand each line of its stdin to Announcer::announce")
            .fail();
    }
}

#[test]
fn server_program_announces_the_lines_typed_on_its_input() {
    let (mut program, addr) = Program::start_server(&["chat-server", "--addr", "127.0.0.1:0"]);
    let lucy = join_program(&program, addr, "Lucy");
    let tom = join_program(&program, addr, "Tom");
    expect_from_program(&program, &lucy, "Lucy, then Tom joined", &joined("Tom"));

    program.type_line("大家好，欢迎进入聊天室。");
    for user in [&lucy, &tom] {
        expect_from_program(
            &program,
            user,
            "Lucy and Tom joined; typed `大家好，欢迎进入聊天室。` into chat-server",
            &announced("大家好，欢迎进入聊天室。"),
        );
    }
    // With no more announcements to read, the server goes on serving.
    program.close_stdin();
    tom.say_to(addr, "still open?");
    expect_from_program(
        &program,
        &lucy,
        "closed chat-server's stdin; then Tom said `still open?`",
        &said("Tom", "still open?"),
    );
}
