//! `cargo xtask hint ID [N]`: one hint at a time, gentlest first.

use crate::manifest::Manifest;
use anyhow::{Result, bail};

/// Prints hint `n` (1-based; the first when `None`) of exercise `id`, or all
/// of them with `all`.
pub fn hint(manifest: &Manifest, id: &str, n: Option<usize>, all: bool) -> Result<()> {
    let Some(exercise) = manifest.exercise(id) else {
        // `select` explains what exists.
        manifest.select(id)?;
        bail!("`{id}` is a chapter, not an exercise: hints belong to exercises");
    };
    let count = exercise.hints.len();
    let shown: Vec<usize> = if all {
        (1..=count).collect()
    } else {
        vec![n.unwrap_or(1)]
    };
    println!("{}: {}\n", exercise.id, exercise.title);
    for i in shown {
        let Some(text) = exercise.hints.get(i.wrapping_sub(1)) else {
            bail!("`{id}` has hints 1 to {count}; there is no hint {i}");
        };
        println!("Hint {i} of {count}:");
        for line in text.lines() {
            println!("  {line}");
        }
        println!();
    }
    match n.unwrap_or(1) {
        i if !all && i < count => println!("Still stuck? `cargo xtask hint {id} {}`", i + 1),
        _ => println!(
            "That was the last hint. The page explains the idea: {}",
            crate::check::read_pointer(exercise)
        ),
    }
    Ok(())
}
