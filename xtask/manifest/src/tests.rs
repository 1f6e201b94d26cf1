//! The manifest's rules: chapters to come, unknown names, pages.

use super::*;

const KIT: &str = r#"
[[chapter]]
id = "chapter1"
number = 1
title = "Sockets"
page = "ch1/index.md"

[[chapter]]
id = "chapter3"
number = 3
title = "Network concurrency models and IO"
coming = "server models, select and epoll, the file server"

[[exercise]]
id = "udp-dict"
chapter = 1
title = "A dictionary"
file = "src/ch1/udp_dict.rs"
page = "ch1/udp-dict.md"
points = 20
hints = ["one"]
"#;

fn manifest(text: &str) -> Result<Manifest> {
    let manifest: Manifest = toml::from_str(text)?;
    manifest.validate()?;
    Ok(manifest)
}

#[test]
fn a_chapter_to_come_says_so_and_an_unknown_name_lists_what_exists() {
    let kit = manifest(KIT).expect("the sample kit.toml is valid");
    let coming = kit
        .select("chapter3")
        .expect_err("chapter 3 has no exercises yet");
    assert_eq!(
        coming.to_string(),
        "chapter 3 (Network concurrency models and IO) is coming: server models, select \
         and epoll, the file server. The kit has chapter1 now; start with `cargo xtask \
         check chapter1`",
        "a chapter to come must say what it will teach, and where to start instead"
    );
    let unknown = kit.select("chapter9").expect_err("there is no chapter 9");
    assert_eq!(
        unknown.to_string(),
        "`chapter9` is neither `all`, a chapter (chapter1, to come: chapter3) nor an \
         exercise (udp-dict)",
        "an unknown name must list what exists"
    );
    assert_eq!(
        kit.select("chapter1").map(|e| e.len()).ok(),
        Some(1),
        "chapter1 selects its one exercise"
    );
}

#[test]
fn a_chapter_has_a_page_or_is_coming_and_only_one_with_a_page_has_exercises() {
    let both = KIT.replace(
        "coming = \"server",
        "page = \"ch3/index.md\"\ncoming = \"server",
    );
    let err = manifest(&both).expect_err("a page and `coming` at once");
    assert!(err.to_string().contains("not both"), "got: {err}");
    let exercise_to_come = KIT.replace("chapter = 1", "chapter = 3");
    let err = manifest(&exercise_to_come).expect_err("an exercise in a chapter to come");
    assert!(err.to_string().contains("marked `coming`"), "got: {err}");
}

#[test]
fn names_the_html_page_a_reader_reads() {
    let kit = manifest(KIT).expect("valid");
    assert_eq!(
        kit.exercises[0].html_path(),
        "target/book/student/ch1/udp-dict.html",
        "mdBook writes ch1/udp-dict.md as ch1/udp-dict.html"
    );
    assert_eq!(
        html_page("README.md"),
        "index.html",
        "README is a folder's index"
    );
    assert_eq!(
        html_page("ch2/README.md"),
        "ch2/index.html",
        "in a folder too"
    );
    assert_eq!(
        and_list(&["1", "2", "3"]),
        "1, 2 and 3",
        "a list in a sentence"
    );
}

#[test]
fn hidden_tests_are_named_from_the_exercises_module_or_by_their_start() {
    let mut kit = manifest(KIT).expect("the sample kit.toml is valid");
    let udp = &mut kit.exercises[0];
    udp.hidden = vec!["refuses_".into(), "answers_words_over_udp".into()];
    assert!(
        udp.hides("ch1::udp_dict::refuses_a_long_word"),
        "a start of names hides them all"
    );
    assert!(
        udp.hides("ch1::udp_dict::answers_words_over_udp"),
        "a whole name"
    );
    assert!(
        !udp.hides("ch1::udp_dict::answers_two_clients"),
        "another test stays visible"
    );
    assert!(
        !udp.hides("ch1::framing::refuses_a_long_word"),
        "only the exercise's own tests"
    );
}
