//! How a program reports an error it returns: an expected failure (an upload
//! refused, a server that does not answer) is one line on stderr and a
//! non-zero exit, whatever `RUST_BACKTRACE` the user's shell has. A panic is
//! a bug, not an expected failure: Rust prints it as always.

/// Set (to anything but `0`) for the error's whole chain and, with
/// `RUST_BACKTRACE=1`, where it was made: `cargo xtask run --backtrace` sets both.
pub const BACKTRACE: &str = "NETKIT_BACKTRACE";

/// What the runner prints for `error`: `error: upload refused: name taken`,
/// the causes joined on one line; with `long`, anyhow's full report
/// (`Caused by:` lines, and the backtrace if one was captured).
pub fn report(error: &anyhow::Error, long: bool) -> String {
    if long {
        format!("error: {error:?}")
    } else {
        format!("error: {error:#}")
    }
}

/// Whether the user asked for the long report ([`BACKTRACE`]).
pub fn long_asked() -> bool {
    std::env::var_os(BACKTRACE).is_some_and(|v| v != "0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn an_error_is_one_line_unless_more_is_asked_for() {
        let error = Err::<(), _>(std::io::Error::other("the name is taken"))
            .context("upload refused")
            .expect_err("an error");
        assert_eq!(
            report(&error, false),
            "error: upload refused: the name is taken",
            "an expected failure is one line: what failed, then why"
        );
        let long = report(&error, true);
        assert!(
            long.starts_with("error: upload refused\n") && long.contains("Caused by:"),
            "asked for more, the report shows the chain line by line; got:\n{long}"
        );
    }
}
