//! `book-in-browser --book DIR --screenshots DIR`: every page of a built
//! book loaded as a reader opens it, from `file://`, offline, in headless
//! Chromium; `cargo xtask test` runs it on both editions.
//!
//! A copy of the book gets a probe script ([`PROBE`]) first in each page's
//! `<head>`; Chromium loads each page with the network cut off
//! ([`Browser::dump_dom_offline`]) and the probe writes what it saw into the
//! DOM. A page passes when nothing was loaded from outside the book, no
//! script logged or threw an error, every image, script, style sheet and
//! font loaded, every character has a glyph (none drawn as the box of a
//! missing one), and no code block or table is wider than the page without
//! scrolling. The print page (`print.html`) must hold every page's title:
//! it is the whole book in one. A screenshot of each chapter's first page
//! (and of the glossary, and the teacher's part) is kept for a person to
//! look at.
//!
//! Without Chromium it prints the harness's `skipped: …` line and succeeds.

use crate::harness::Browser;
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The probe put in each page (see its header for what it reports).
pub const PROBE: &str = include_str!("probe.js");

/// The id of the element the probe writes its report into.
const REPORT_ID: &str = "netkit-book-report";

/// The window: wide enough for the sidebar and a page of text.
const WINDOW: (u32, u32) = (1000, 1400);

/// Virtual time for a page's scripts and fonts: a page loads from disk in
/// milliseconds, so this bounds only a page that never settles.
const BUDGET: Duration = Duration::from_secs(10);

/// Pages that are not pages of the book's contents: the error page, the
/// print page itself, the table of contents without scripts, and the first
/// page's copy.
const NOT_CONTENTS: [&str; 4] = ["404.html", "print.html", "toc.html", "index.html"];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The built book: target/book/student or target/book/teacher.
    #[arg(long)]
    pub book: PathBuf,
    /// Where to write the screenshots (one per chapter).
    #[arg(long)]
    pub screenshots: PathBuf,
    /// How many pages load at once.
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
}

/// One page's report.
#[derive(Debug, Default)]
struct Report {
    problems: Vec<String>,
    title: Option<String>,
    headings: Vec<String>,
    characters: usize,
}

pub fn run(args: Args) -> Result<()> {
    let Some(browser) = Browser::or_skip("the book in a browser") else {
        return Ok(());
    };
    anyhow::ensure!(
        args.book.join("index.html").is_file(),
        "{} holds no built book (no index.html): build it first (`cargo xtask book`)",
        args.book.display()
    );
    // file:// addresses are absolute.
    let book = args
        .book
        .canonicalize()
        .with_context(|| format!("finding {}", args.book.display()))?;
    let copy = tempfile::tempdir().context("a temporary folder for the book's copy")?;
    copy_tree(&book, copy.path())?;
    // mdBook's 404 page is for a web server: it loads its scripts and
    // styles from the site's root (`/`), which from file:// is the disk's.
    let pages: Vec<String> = html_pages(copy.path())?
        .into_iter()
        .filter(|page| page != "404.html")
        .collect();
    for page in &pages {
        inject(&copy.path().join(page))?;
    }

    let reports = load_all(&browser, copy.path(), &pages, args.jobs.max(1));
    let mut problems = Vec::new();
    let mut characters = 0;
    for (page, report) in &reports {
        characters += report.characters;
        problems.extend(report.problems.iter().map(|p| format!("{page}: {p}")));
    }
    problems.extend(print_view_problems(&reports));

    std::fs::create_dir_all(&args.screenshots)
        .with_context(|| format!("creating {}", args.screenshots.display()))?;
    let shots = screenshots(&browser, &book, &args.screenshots, &pages);

    if !problems.is_empty() {
        bail!(
            "{} problems in {} pages of {}:\n{}",
            problems.len(),
            pages.len(),
            args.book.display(),
            problems.join("\n")
        );
    }
    println!(
        "{} pages loaded offline in Chromium: nothing loaded from outside the book, no script \
         error, no missing image or font, each of {characters} characters beyond ASCII (once \
         a page and font) with a glyph, no block wider than the page without scrolling; \
         print.html holds every page; screenshots: {}",
        pages.len(),
        shots.join(", ")
    );
    Ok(())
}

/// Loads every page, `jobs` at a time; the reports in the pages' order.
fn load_all(
    browser: &Browser,
    root: &Path,
    pages: &[String],
    jobs: usize,
) -> Vec<(String, Report)> {
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(pages.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(page) = pages.get(i) else { return };
                    let url = format!("file://{}", root.join(page).display());
                    let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        browser.dump_dom_offline(&url, WINDOW.0, WINDOW.1, BUDGET)
                    }));
                    let report = match loaded {
                        Ok(dom) => read_report(&dom),
                        Err(panic) => Report {
                            problems: vec![format!(
                                "Chromium did not load it: {}",
                                panic_text(&panic)
                            )],
                            ..Report::default()
                        },
                    };
                    done.lock()
                        .expect("the reports")
                        .push((i, page.clone(), report));
                }
            });
        }
    });
    let mut done = done.into_inner().expect("the reports");
    done.sort_by_key(|(i, _, _)| *i);
    done.into_iter()
        .map(|(_, page, report)| (page, report))
        .collect()
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".to_string())
}

/// The probe's findings in a page's DOM, as problems, title and headings.
fn read_report(dom: &str) -> Report {
    let mut report = Report::default();
    let open = format!("<pre id=\"{REPORT_ID}\">");
    // The last one: the report is appended at the end of the body.
    let Some(start) = dom.rfind(&open) else {
        report.problems.push(format!(
            "the probe wrote no report: the page did not finish loading (its load event and \
             fonts) within {} s of virtual time",
            BUDGET.as_secs()
        ));
        return report;
    };
    let body = &dom[start + open.len()..];
    let body = &body[..body.find("</pre>").unwrap_or(body.len())];
    let mut complete = false;
    let mut tofu = Vec::new();
    for line in unescape(body).lines() {
        let (kind, detail) = line.split_once('\t').unwrap_or((line, ""));
        let detail = detail.to_string();
        match kind {
            "error" => report.problems.push(format!("script error: {detail}")),
            "failed" => report.problems.push(format!("did not load: {detail}")),
            "external" => report
                .problems
                .push(format!("loaded from outside the book: {detail}")),
            "tofu" => tofu.push(detail),
            "clipped" => report
                .problems
                .push(format!("wider than the page and not scrolling: {detail}")),
            "title" => report.title = Some(detail),
            "heading" => report.headings.push(detail),
            "done" => {
                complete = true;
                report.characters = detail.parse().unwrap_or(0);
            }
            _ => {}
        }
    }
    if !tofu.is_empty() {
        // One line for them all: a missing font misses hundreds.
        let shown: Vec<&str> = tofu.iter().take(6).map(String::as_str).collect();
        let more = match tofu.len() {
            n if n > 6 => format!(", and {} more", n - 6),
            _ => String::new(),
        };
        report.problems.push(format!(
            "{} characters have no glyph and are drawn as a box: {}{more} \
             (book/fonts/subset adds what the book uses to its bundled fonts)",
            tofu.len(),
            shown.join(", ")
        ));
    }
    if !complete {
        report
            .problems
            .push("the probe's report is cut short: it stopped before its end".to_string());
    }
    report
}

/// `&lt;` and the other entities the DOM's serialisation writes in text.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Each page of the contents whose title the print page lacks.
fn print_view_problems(reports: &[(String, Report)]) -> Vec<String> {
    let Some((_, print)) = reports.iter().find(|(page, _)| page == "print.html") else {
        return vec!["print.html: there is no print page (mdBook's output.html.print)".to_string()];
    };
    let held: BTreeSet<&str> = print.headings.iter().map(String::as_str).collect();
    reports
        .iter()
        .filter(|(page, _)| !NOT_CONTENTS.contains(&page.as_str()))
        .filter_map(|(page, report)| {
            let title = report.title.as_deref()?;
            (!held.contains(title))
                .then(|| format!("print.html: lacks the page {page} (no heading \"{title}\")"))
        })
        .collect()
}

/// Screenshots of each chapter's first page, the glossary and the
/// teacher's part (when the edition has it), of the book as built.
fn screenshots(browser: &Browser, book: &Path, out: &Path, pages: &[String]) -> Vec<String> {
    let mut wanted: Vec<(String, String)> = pages
        .iter()
        .filter_map(|page| {
            let chapter = page.strip_prefix("ch")?.strip_suffix("/index.html")?;
            chapter
                .parse::<u32>()
                .ok()
                .map(|n| (page.clone(), format!("chapter{n}.png")))
        })
        .collect();
    for (page, png) in [
        ("glossary.html", "glossary.png"),
        ("teacher/index.html", "teacher.png"),
    ] {
        if pages.iter().any(|p| p == page) {
            wanted.push((page.to_string(), png.to_string()));
        }
    }
    wanted
        .into_iter()
        .map(|(page, png)| {
            let path = out.join(&png);
            let url = format!("file://{}", book.join(&page).display());
            browser.screenshot(&url, &path, WINDOW.0, WINDOW.1);
            path.display().to_string()
        })
        .collect()
}

/// Puts the probe first in the page's `<head>`, so that it sees the
/// page's first error.
fn inject(page: &Path) -> Result<()> {
    let html =
        std::fs::read_to_string(page).with_context(|| format!("reading {}", page.display()))?;
    let Some(at) = html.find("<head>") else {
        bail!("{} has no <head>", page.display());
    };
    let at = at + "<head>".len();
    let probed = format!("{}<script>{PROBE}</script>{}", &html[..at], &html[at..]);
    std::fs::write(page, probed).with_context(|| format!("writing {}", page.display()))
}

/// Every `.html` file under `root`, as paths relative to it, sorted.
fn html_pages(root: &Path) -> Result<Vec<String>> {
    let mut pages = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let relative = path.strip_prefix(root).unwrap_or(&path);
                pages.push(relative.display().to_string());
            }
        }
    }
    pages.sort();
    Ok(pages)
}

/// Copies the folder `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_gives_each_finding_as_a_problem_and_the_title_apart() {
        let dom = format!(
            "<html><body><pre id=\"{REPORT_ID}\">title\tSockets &amp; ports\nheading\tSockets &amp; ports\n\
             tofu\t粘 U+7C98 in \"Open Sans\"\nfailed\timg file:///x.png\n\
             clipped\ttable \"a | b\"\ndone\t12</pre></body></html>"
        );
        let report = read_report(&dom);
        assert_eq!(report.title.as_deref(), Some("Sockets & ports"));
        assert_eq!(report.characters, 12);
        assert_eq!(
            report.problems.len(),
            3,
            "failed, clipped, tofu: {:?}",
            report.problems
        );
        assert!(
            report.problems[2].contains("粘 U+7C98"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn a_page_without_a_report_or_with_a_cut_one_is_a_problem() {
        let none = read_report("<html><body></body></html>");
        assert!(
            none.problems[0].contains("wrote no report"),
            "{:?}",
            none.problems
        );
        let cut = read_report(&format!("<pre id=\"{REPORT_ID}\">title\tA</pre>"));
        assert!(cut.problems[0].contains("cut short"), "{:?}", cut.problems);
    }

    #[test]
    fn the_print_page_must_hold_every_pages_title() {
        let page = |title: &str| Report {
            title: Some(title.to_string()),
            ..Report::default()
        };
        let print = Report {
            headings: vec!["Sockets".to_string()],
            ..Report::default()
        };
        let reports = vec![
            ("ch1/index.html".to_string(), page("Sockets")),
            ("ch1/udp.html".to_string(), page("UDP")),
            ("index.html".to_string(), page("Preface")),
            ("print.html".to_string(), print),
        ];
        assert_eq!(
            print_view_problems(&reports),
            ["print.html: lacks the page ch1/udp.html (no heading \"UDP\")"]
        );
    }
}
