//! `kit.toml`: the chapters and exercises of the kit, in the order a student
//! meets them. xtask and the book builder (`kit-book`) read the kit through
//! this crate, so both see the same manifest.

pub mod teacher_only;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The whole manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(rename = "chapter")]
    pub chapters: Vec<Chapter>,
    #[serde(rename = "exercise")]
    pub exercises: Vec<Exercise>,
}

/// A chapter of the book: one the kit has, or one still to come.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chapter {
    /// `chapter1`: what `cargo xtask check chapter1` takes.
    pub id: String,
    pub number: u32,
    pub title: String,
    /// The chapter's first page, under `book/src/`; empty for a chapter to come.
    #[serde(default)]
    pub page: String,
    /// For a chapter the kit does not have yet, what it will teach
    /// (`server models, select and epoll, the file server`); it has no page
    /// and no exercises until it is written.
    #[serde(default)]
    pub coming: Option<String>,
    /// Programs of the chapter as a whole rather than of one exercise (such
    /// as chapter 3's `compare-models`, which runs every model): the
    /// runner's subcommands that `cargo xtask run` offers besides the
    /// exercises' own.
    #[serde(default)]
    pub programs: Vec<String>,
}

impl Chapter {
    /// Whether the kit has this chapter yet.
    pub fn is_here(&self) -> bool {
        self.coming.is_none()
    }
}

/// Where `cargo xtask book` writes an edition (`student`, `teacher`), from
/// the kit's root.
pub fn book_dir(edition: &str) -> String {
    format!("target/book/{edition}")
}

/// The HTML file mdBook makes of a page under `book/src/`:
/// `ch1/udp-dict.md` → `ch1/udp-dict.html` (a `README.md` becomes `index.html`).
pub fn html_page(page: &str) -> String {
    let stem = page.strip_suffix(".md").unwrap_or(page);
    match stem.strip_suffix("README") {
        Some(folder) if folder.is_empty() || folder.ends_with('/') => {
            format!("{folder}index.html")
        }
        _ => format!("{stem}.html"),
    }
}

/// One exercise: a stub, a reference, tests, a page, hints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exercise {
    /// kebab-case, e.g. `udp-dict`.
    pub id: String,
    pub chapter: u32,
    pub title: String,
    /// The same path under `exercises/` and `solutions/`, e.g. `src/ch1/udp_dict.rs`.
    pub file: String,
    /// The book page, under `book/src/`.
    pub page: String,
    pub points: u32,
    #[serde(default)]
    pub programs: Vec<String>,
    pub hints: Vec<String>,
    /// Tests allowed to pass against the stub, each with the reason.
    #[serde(default)]
    pub exempt: Vec<Exempt>,
}

/// A test that may pass against the stub, and why that is not a hole.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exempt {
    pub test: String,
    pub why: String,
}

impl Exercise {
    /// The suite's module path for this exercise: `udp-dict` in chapter 1 is
    /// `ch1::udp_dict`, and its tests are named `ch1::udp_dict::…`.
    pub fn test_prefix(&self) -> String {
        format!("ch{}::{}::", self.chapter, self.id.replace('-', "_"))
    }

    /// The student's file, from the kit's root.
    pub fn stub_path(&self, root: &Path) -> PathBuf {
        root.join("exercises").join(&self.file)
    }

    /// The reference file, from the kit's root.
    pub fn solution_path(&self, root: &Path) -> PathBuf {
        root.join("solutions").join(&self.file)
    }

    /// The page's source, as a path from the kit's root.
    pub fn page_path(&self) -> String {
        format!("book/src/{}", self.page)
    }

    /// The page as a reader reads it, in the student's edition of the book
    /// (`cargo xtask book` builds it), as a path from the kit's root:
    /// `target/book/student/ch1/udp-dict.html`.
    pub fn html_path(&self) -> String {
        format!("{}/{}", book_dir("student"), html_page(&self.page))
    }
}

impl Manifest {
    /// Reads and checks `kit.toml` at the kit's root.
    pub fn load(root: &Path) -> Result<Manifest> {
        let path = root.join("kit.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let manifest: Manifest =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for exercise in &self.exercises {
            if !seen.insert(&exercise.id) {
                bail!("kit.toml: the exercise id `{}` appears twice", exercise.id);
            }
            match self.chapter(exercise.chapter) {
                None => bail!(
                    "kit.toml: exercise `{}` names chapter {}, which has no [[chapter]] entry",
                    exercise.id,
                    exercise.chapter
                ),
                Some(chapter) if !chapter.is_here() => bail!(
                    "kit.toml: exercise `{}` is in chapter {}, which is marked `coming`; \
                     remove `coming` and give the chapter its `page` once it is written",
                    exercise.id,
                    exercise.chapter
                ),
                Some(_) => {}
            }
        }
        for chapter in &self.chapters {
            if chapter.is_here() == chapter.page.is_empty() {
                bail!(
                    "kit.toml: chapter `{}` needs a `page` (its first page under book/src/) \
                     or, while it is not written yet, `coming` (what it will teach), \
                     not both",
                    chapter.id
                );
            }
        }
        Ok(())
    }

    /// The chapters the kit has, in order.
    pub fn chapters_here(&self) -> impl Iterator<Item = &Chapter> {
        self.chapters.iter().filter(|c| c.is_here())
    }

    /// The chapters still to come, in order.
    pub fn chapters_coming(&self) -> impl Iterator<Item = &Chapter> {
        self.chapters.iter().filter(|c| !c.is_here())
    }

    /// The chapter with this number.
    pub fn chapter(&self, number: u32) -> Option<&Chapter> {
        self.chapters.iter().find(|c| c.number == number)
    }

    /// The exercise with this id.
    pub fn exercise(&self, id: &str) -> Option<&Exercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    /// The exercise a test belongs to, from the test's module path.
    pub fn exercise_of_test(&self, test: &str) -> Option<&Exercise> {
        self.exercises
            .iter()
            .find(|e| test.starts_with(&e.test_prefix()))
    }

    /// What `check`, `list` and the like take: `all`, `chapterN`, or an
    /// exercise id. Unknown names get a message listing what exists.
    pub fn select(&self, what: &str) -> Result<Vec<&Exercise>> {
        if what == "all" {
            return Ok(self.exercises.iter().collect());
        }
        if let Some(chapter) = self.chapters.iter().find(|c| c.id == what) {
            if let Some(coming) = &chapter.coming {
                let here: Vec<_> = self.chapters_here().map(|c| c.id.as_str()).collect();
                bail!(
                    "chapter {} ({}) is coming: {coming}. The kit has {} now; \
                     start with `cargo xtask check {}`",
                    chapter.number,
                    chapter.title,
                    and_list(&here),
                    here.first().copied().unwrap_or("all")
                );
            }
            return Ok(self
                .exercises
                .iter()
                .filter(|e| e.chapter == chapter.number)
                .collect());
        }
        if let Some(exercise) = self.exercise(what) {
            return Ok(vec![exercise]);
        }
        let mut chapters: Vec<_> = self.chapters_here().map(|c| c.id.clone()).collect();
        let coming: Vec<_> = self.chapters_coming().map(|c| c.id.as_str()).collect();
        if !coming.is_empty() {
            chapters.push(format!("to come: {}", coming.join(", ")));
        }
        let exercises: Vec<_> = self.exercises.iter().map(|e| e.id.as_str()).collect();
        bail!(
            "`{what}` is neither `all`, a chapter ({}) nor an exercise ({})",
            chapters.join(", "),
            exercises.join(", ")
        )
    }
}

/// `a`, `a and b`, `a, b and c`: a list in a sentence.
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests;
