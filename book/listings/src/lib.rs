//! The book's demonstration programs live in `src/bin/`, one file each; the
//! book includes them by anchor, and CI builds them with the workspace.
