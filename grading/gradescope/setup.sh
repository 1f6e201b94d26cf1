#!/usr/bin/env bash
# Gradescope runs this once, as root, in its Ubuntu image, when it builds the
# autograder from the zip that `grading/gradescope/make-zip` wrote: the kit is
# in /autograder/source. It installs Rust, then grades the stubs of one
# exercise, which builds the grader and the whole suite once (a few minutes)
# and proves that the tests can run isolated here; every submission after it
# rebuilds only the student's crate.
set -euo pipefail

AUTOGRADER="${AUTOGRADER:-/autograder}"
KIT="$AUTOGRADER/source"
# The kit needs Rust 1.89 or newer.
TOOLCHAIN="${NETKIT_RUST_TOOLCHAIN:-stable}"

export DEBIAN_FRONTEND=noninteractive
apt-get update
# A C compiler: SQLite (for the UDP dictionary) builds from source.
apt-get install -y --no-install-recommends ca-certificates curl build-essential pkg-config

if ! command -v rustup >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/rustup" ]; then
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --no-modify-path --profile minimal --default-toolchain "$TOOLCHAIN"
fi
export PATH="$HOME/.cargo/bin:$PATH"
rustup default "$TOOLCHAIN"

# The tests run as the unprivileged user 65534: it must be able to read the
# kit and enter every folder above it.
chmod -R a+rX "$KIT"
chmod a+x "$AUTOGRADER"

cd "$KIT"
cargo fetch --locked
cargo xtask grade --submission "$KIT/exercises" --exercise upload-header \
    --format gradescope --out /tmp/netkit-setup-results.json
