//! Optional tools: real peers that the kit's own checks use when they are
//! installed (Chromium, nginx, wrk, curl), and the one message that says a
//! check skipped because one is missing, and how to install it.
//!
//! `cargo xtask test` must pass on a machine that has only Rust: a test that
//! needs a tool asks [`Tool::find`] (or [`Tool::or_skip`]) first, and when
//! the tool is missing prints [`Tool::skipped`] and returns. `.ci/run`
//! installs every tool, so CI always runs those tests.

use std::path::{Path, PathBuf};

/// A tool the kit can use but does not need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Chromium,
    Nginx,
    Wrk,
    Curl,
}

/// What a test that skipped prints, first on its line, so that `cargo xtask
/// test` can find and repeat it.
pub const SKIPPED: &str = "skipped: ";

impl Tool {
    /// Every optional tool.
    pub const ALL: [Tool; 4] = [Tool::Chromium, Tool::Nginx, Tool::Wrk, Tool::Curl];

    /// The command's name, looked for on `PATH`.
    pub fn command(self) -> &'static str {
        match self {
            Tool::Chromium => "chromium",
            Tool::Nginx => "nginx",
            Tool::Wrk => "wrk",
            Tool::Curl => "curl",
        }
    }

    /// Debian's package that installs it.
    pub fn package(self) -> &'static str {
        match self {
            Tool::Chromium => "chromium",
            Tool::Nginx => "nginx-light",
            Tool::Wrk => "wrk",
            Tool::Curl => "curl",
        }
    }

    /// Where it is: the first executable file of that name on `PATH`, also
    /// in the `sbin` folders, where Debian puts nginx and which a user's
    /// `PATH` often lacks. `None` when it is not installed.
    pub fn find(self) -> Option<PathBuf> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
        if self == Tool::Nginx {
            // Only beside a folder of PATH: an emptied PATH finds nothing.
            let sbins: Vec<PathBuf> = dirs
                .iter()
                .filter_map(|d| Some(d.parent()?.join("sbin")))
                .collect();
            dirs.extend(sbins);
        }
        dirs.into_iter()
            .map(|d| d.join(self.command()))
            .find(|p| is_executable(p))
    }

    /// The one message for a check skipped for want of this tool.
    pub fn skipped(self, what: &str) -> String {
        format!(
            "{SKIPPED}{what}: {} is not installed (apt-get install {})",
            self.command(),
            self.package()
        )
    }

    /// The tool's path, or `None` after printing [`Tool::skipped`]: the
    /// start of a test that needs it (`let Some(nginx) = Tool::Nginx.or_skip("…") else { return };`).
    pub fn or_skip(self, what: &str) -> Option<PathBuf> {
        let found = self.find();
        if found.is_none() {
            // stdout: libtest shows it with `--show-output`, which is how
            // `cargo xtask test` runs these tests and repeats the line.
            println!("{}", self.skipped(what));
        }
        found
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skip_message_says_what_is_missing_and_how_to_install_it() {
        assert_eq!(
            Tool::Nginx.skipped("nginx serves a site"),
            "skipped: nginx serves a site: nginx is not installed (apt-get install nginx-light)",
            "the skip line names the command and Debian's package"
        );
    }

    #[test]
    fn only_an_executable_file_counts_as_a_tool() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let fake = dir.path().join("wrk");
        std::fs::write(&fake, "#!/bin/sh\n").expect("write a fake wrk");
        assert!(
            !is_executable(&fake),
            "a file without the x bit is not a tool"
        );
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(is_executable(&fake), "an executable file is a tool");
        assert!(!is_executable(dir.path()), "a folder is not a tool");
    }
}
