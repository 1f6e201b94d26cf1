//! The files `cargo xtask new` writes, as text. Every place the author must
//! still write says `TODO(author)`, so `grep -rn 'TODO(author)'` lists them;
//! the stub's `// TODO:` is the student's mark, and stays.

use super::Names;

/// The longest line rustfmt leaves alone (its default `max_width`).
const MAX_WIDTH: usize = 100;

/// A macro call on a string literal, laid out as rustfmt lays it out: on
/// one line if it fits, else the literal on a line of its own.
fn macro_call(indent: &str, name: &str, message: &str) -> String {
    let literal = format!("{message:?}");
    let one_line = format!("{indent}{name}!({literal})");
    if one_line.chars().count() <= MAX_WIDTH {
        one_line
    } else {
        format!("{indent}{name}!(\n{indent}    {literal}\n{indent})")
    }
}

/// The function's doc comment, the same in the stub and the reference.
fn contract(names: &Names) -> String {
    format!(
        "/// TODO(author): the contract the tests check: what `{f}` takes, what it\n\
         /// returns, and each error it can give. (The placeholder signature below\n\
         /// takes a text and returns one: make it the exercise's.)\n",
        f = names.function
    )
}

/// The student's file: the contract, the `// TODO:` mark, and a `todo!()`
/// that names what to do and where the book explains it.
pub fn stub(names: &Names) -> String {
    let message = format!(
        "{id}: write `{f}` for {{input:?}} (book: {page}, \"Your task\")",
        id = names.id,
        f = names.function,
        page = names.page,
    );
    // `{input:?}` stays a format argument of the macro: the message shows
    // what the student's code was called with.
    let todo = macro_call("    ", "todo", &message);
    format!(
        "//! # Exercise `{id}`: {title} (book: {page})\n\
         //!\n\
         //! TODO(author): what this exercise builds, and the idea it teaches, in a\n\
         //! few lines; then a list of what the student writes.\n\
         \n\
         // ANCHOR: {f}\n\
         {contract}\
         pub fn {f}(input: &str) -> String {{\n    \
             // TODO: write `{f}` as its doc comment says.\n\
         {todo}\n\
         }}\n\
         // ANCHOR_END: {f}\n",
        id = names.id,
        title = names.title_lower(),
        page = names.page,
        f = names.function,
        contract = contract(names),
    )
}

/// The reference: the same public API, with a body that is plainly a
/// placeholder. Not a `todo!()` (that is the stub's mark, and `cargo xtask
/// test` refuses it in a reference), but a panic that says what it is: the
/// first test written fails against it with this message, until the author
/// writes the real code.
pub fn reference(names: &Names) -> String {
    let message = format!(
        "{id}: the reference is still the placeholder `cargo xtask new` wrote: \
         write {file} (input {{input:?}})",
        id = names.id,
        file = names.solution_file(),
    );
    let panic = macro_call("    ", "panic", &message);
    format!(
        "//! # Exercise `{id}`: {title}, the reference solution\n\
         //!\n\
         //! TODO(author): replace the placeholder body below with the working code.\n\
         //! Until then every test of `{id}` fails against the reference, which is\n\
         //! how `cargo xtask test` tells you it is not done.\n\
         \n\
         {contract}\
         pub fn {f}(input: &str) -> String {{\n\
         {panic}\n\
         }}\n",
        id = names.id,
        title = names.title_lower(),
        f = names.function,
        contract = contract(names),
    )
}

/// The suite's file: no test yet, and what to write.
pub fn suite(names: &Names, forks: bool) -> String {
    let how = if forks {
        format!(
            "//! The code under test forks, so it never runs inside this (multi-threaded)\n\
             //! test process: call it through the probe `{snake}::{f}`\n\
             //! (tests/src/probes/{snake}.rs), with\n\
             //! `netkit_tests::harness::probe(\"{snake}::{f}\", &[\"…\"])`, and check the\n\
             //! lines it prints (`answer …`, `children 0`).\n",
            snake = names.snake,
            f = names.function,
        )
    } else {
        format!(
            "//! Call the code under test as `netkit_tests::kit::ch{n}::{snake}::{f}`\n\
             //! (never `exercises` or `solutions` by name: one suite grades both); a\n\
             //! server runs in a `harness::ServerThread`, a program in a\n\
             //! `harness::Program`, and the test plays the other side with the\n\
             //! harness's peers.\n",
            n = names.chapter,
            snake = names.snake,
            f = names.function,
        )
    };
    format!(
        "//! Tests of the exercise `{id}` (book: {page}).\n\
         //!\n\
         //! TODO(author): no test yet: `cargo xtask test` says so until there is one.\n\
         //! Write one `#[test]` per behaviour of the contract, named for what it\n\
         //! checks (its path, `ch{n}::{snake}::…`, says which exercise it belongs\n\
         //! to). Each must fail against the stub at once (on its `todo!()`) and\n\
         //! pass against the reference: `cargo xtask check {id}` and\n\
         //! `cargo xtask check {id} --solutions`. Fail with a `harness::Report`\n\
         //! (what was sent, expected, what came back, the likely cause), never a\n\
         //! bare `assert!`; no sleeps (wait on the code under test, bounded);\n\
         //! sockets on `127.0.0.1:0`, files in `tempfile` folders.\n\
         //!\n\
         {how}",
        id = names.id,
        page = names.page,
        n = names.chapter,
        snake = names.snake,
    )
}

/// The book's page: task, what it assumes, why it matters, the stub's code,
/// the command, what to remember, the hints, and the reference for the
/// teacher's edition. It passes the book's checks as written (the Assumes
/// line links the chapter's page, which comes before every exercise of it).
pub fn page(names: &Names, programs: &[String]) -> String {
    let try_it = if programs.is_empty() {
        String::new()
    } else {
        let runs: Vec<String> = programs
            .iter()
            .map(|p| format!("$ cargo xtask run {p}"))
            .collect();
        format!(
            "## Try it by hand\n\
             \n\
             TODO(author): what to run, and what the student should see.\n\
             \n\
             ```text\n\
             {}\n\
             ```\n\
             \n",
            runs.join("\n")
        )
    };
    format!(
        "# Exercise: {title}\n\
         \n\
         **You will build:** TODO(author): what the student builds, in one sentence.\n\
         \n\
         **Check it:** `cargo xtask check {id}`\n\
         \n\
         **Your file:** `exercises/{file}`\n\
         \n\
         **Assumes:** [the chapter's opening page](index.md) TODO(author): links to\n\
         the pages before this one in SUMMARY.md that the exercise needs.\n\
         \n\
         ## Why it matters\n\
         \n\
         TODO(author): the mistake or the misunderstanding this exercise saves the\n\
         student from, in a real program.\n\
         \n\
         ## The idea\n\
         \n\
         TODO(author): the idea, with a small example (a diagram, or a demo from\n\
         `book/listings` included by its anchor).\n\
         \n\
         ## Your task\n\
         \n\
         Write `{f}`:\n\
         \n\
         ```rust,ignore\n\
         {{{{#include ../../../exercises/{file}:{f}}}}}\n\
         ```\n\
         \n\
         TODO(author): what the tests check, so that the student knows what done\n\
         means. Run them while you work:\n\
         \n\
         ```text\n\
         $ cargo xtask check {id}\n\
         ```\n\
         \n\
         {try_it}\
         ## What to remember\n\
         \n\
         - TODO(author): 3 to 6 short bullets,\n\
         - each a fact this page taught,\n\
         - said exactly as the page says it.\n\
         \n\
         ## Hints\n\
         \n\
         {{{{#hints {id}}}}}\n\
         \n\
         <!-- teacher-only -->\n\
         ## Reference solution\n\
         \n\
         ```rust\n\
         {{{{#include ../../../solutions/{file}}}}}\n\
         ```\n\
         <!-- /teacher-only -->\n",
        title = names.title_lower(),
        id = names.id,
        file = names.file,
        f = names.function,
    )
}

/// The exercise's entry in kit.toml.
pub fn manifest_entry(names: &Names, programs: &[String]) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let programs: Vec<String> = programs.iter().map(|p| quoted(p)).collect();
    format!(
        "[[exercise]]\n\
         id = {id}\n\
         chapter = {n}\n\
         title = {title}\n\
         file = {file}\n\
         page = {page}\n\
         points = 10\n\
         programs = [{programs}]\n\
         # TODO(author): hints of this exercise's own, the gentlest first; the last may all\n\
         # but give the code. Until then, two that hold for any exercise.\n\
         hints = [\n  \
           {h1},\n  \
           {h2},\n\
         ]\n",
        id = quoted(&names.id),
        n = names.chapter,
        title = quoted(&names.title),
        file = quoted(&names.file),
        page = quoted(&names.page),
        programs = programs.join(", "),
        h1 = quoted(&format!(
            "Start from the doc comment of `{}` in exercises/{}: it states what the tests check. \
             Make the first failing test of `cargo xtask check {}` pass, then the next.",
            names.function, names.file, names.id
        )),
        h2 = quoted(
            "Each failure says what was sent, what was expected and what came back: \
             read the likely cause it names, then the section of the page it points to."
        ),
    )
}

/// A runner program's module: its arguments and a `run` that calls the
/// exercise. With one program the items are `Args` and `run`; with several,
/// `<Program>Args` and a function per program.
pub fn programs_module(names: &Names, programs: &[String]) -> String {
    let mut text = format!(
        "//! {list}: TODO(author): what the program does, in one line.\n\
         \n\
         use crate::kit::ch{n}::{snake};\n\
         use std::io::Write;\n",
        list = programs
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", "),
        n = names.chapter,
        snake = names.snake,
    );
    for program in programs {
        let (args, run) = program_items(program, programs.len());
        text.push_str(&format!(
            "\n\
             /// `{program} [INPUT]`\n\
             #[derive(Debug, clap::Args)]\n\
             pub struct {args} {{\n    \
                 /// TODO(author): the program's arguments (a server takes `--addr`,\n    \
                 /// default `super::seed_addr()`, and calls `super::announce`).\n    \
                 #[arg(default_value = \"\")]\n    \
                 input: String,\n\
             }}\n\
             \n\
             pub fn {run}(args: {args}) -> anyhow::Result<()> {{\n    \
                 let answer = {snake}::{f}(&args.input);\n    \
                 let mut out = std::io::stdout().lock();\n    \
                 writeln!(out, \"{{answer}}\")?;\n    \
                 out.flush()?;\n    \
                 Ok(())\n\
             }}\n",
            snake = names.snake,
            f = names.function,
        ));
    }
    text
}

/// The names, in the programs module, of a program's arguments and function.
pub fn program_items(program: &str, count: usize) -> (String, String) {
    if count == 1 {
        ("Args".to_string(), "run".to_string())
    } else {
        (
            format!("{}Args", super::camel(program)),
            program.replace('-', "_"),
        )
    }
}

/// A probe module, for an exercise whose code forks: the test runs it in a
/// fresh, single-threaded process and reads what it prints.
pub fn probe_module(names: &Names) -> String {
    format!(
        "//! Probes of the exercise `{id}`.\n\
         \n\
         use super::procfs;\n\
         use crate::kit::ch{n}::{snake} as kit;\n\
         use anyhow::bail;\n\
         \n\
         /// Runs the probe `{snake}::PROBE`.\n\
         ///\n\
         /// `{f} INPUT`: calls `{f}` and prints `answer TEXT`, then\n\
         /// `children N`: the children (zombies included) it left behind.\n\
         /// TODO(author): the probes the tests need, each printing `key value`\n\
         /// lines that a test can check.\n\
         pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {{\n    \
             match (probe, args) {{\n        \
                 (\"{f}\", [input]) => {{\n            \
                     println!(\"answer {{}}\", kit::{f}(input));\n            \
                     println!(\"children {{}}\", procfs::my_children().len());\n            \
                     Ok(())\n        \
                 }}\n        \
                 (\"{f}\", _) => bail!(\"usage: {snake}::{f} INPUT\"),\n        \
                 _ => Err(super::unknown(\"{snake}\", probe)),\n    \
             }}\n\
         }}\n",
        id = names.id,
        n = names.chapter,
        snake = names.snake,
        f = names.function,
    )
}

/// A chapter's `mod.rs` in exercises/ or solutions/, for a chapter that
/// has none yet.
pub fn chapter_module(number: u32, title: &str) -> String {
    format!(
        "//! Chapter {number}: {}.\n",
        super::super::lists::lowercase_first(title)
    )
}
