//! `kit.toml`: the chapters and exercises of the kit, in the order a student
//! meets them. Every other part of xtask reads the kit through this module.

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

/// A chapter of the book.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chapter {
    /// `chapter1`: what `cargo xtask check chapter1` takes.
    pub id: String,
    pub number: u32,
    pub title: String,
    /// The chapter's first page, under `book/src/`.
    pub page: String,
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

    /// The page, as a path from the kit's root.
    pub fn page_path(&self) -> String {
        format!("book/src/{}", self.page)
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
            if self.chapter(exercise.chapter).is_none() {
                bail!(
                    "kit.toml: exercise `{}` names chapter {}, which has no [[chapter]] entry",
                    exercise.id,
                    exercise.chapter
                );
            }
        }
        Ok(())
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
            return Ok(self
                .exercises
                .iter()
                .filter(|e| e.chapter == chapter.number)
                .collect());
        }
        if let Some(exercise) = self.exercise(what) {
            return Ok(vec![exercise]);
        }
        let chapters: Vec<_> = self.chapters.iter().map(|c| c.id.as_str()).collect();
        let exercises: Vec<_> = self.exercises.iter().map(|e| e.id.as_str()).collect();
        bail!(
            "`{what}` is neither `all`, a chapter ({}) nor an exercise ({})",
            chapters.join(", "),
            exercises.join(", ")
        )
    }
}
