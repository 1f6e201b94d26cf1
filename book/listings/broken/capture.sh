#!/bin/sh
# Captures what `cargo build` prints for each listing in this folder that is
# meant NOT to compile, into ../output/NAME.txt, as the book shows it.
#
# The region between `// ANCHOR: all` and `// ANCHOR_END: all` of each file,
# which is what the book shows, is built as src/main.rs of a scratch package
# named after the file: the line numbers in the message are those of the
# listing, and it looks as it would in the reader's own project. The scratch
# folder's path and the compiler's build hash are taken out. Run it again
# when the toolchain changes; tests/broken.rs says when that is needed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for source in "$here"/*.rs; do
    name=$(basename "$source" .rs)
    mkdir -p "$scratch/$name/src"
    printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2024"\n\n[workspace]\n' \
        "$name" > "$scratch/$name/Cargo.toml"
    sed -n '/ANCHOR: all$/,/ANCHOR_END: all$/p' "$source" | sed '1d;$d' \
        > "$scratch/$name/src/main.rs"
    if (cd "$scratch/$name" && cargo build --offline --color never) \
        > /dev/null 2> "$scratch/$name.err"; then
        echo "$name.rs compiled, but it is meant not to" >&2
        exit 1
    fi
    { printf '$ cargo build\n'
      sed -e "s|$scratch/$name|/home/you/$name|g" \
          -e '/Blocking waiting for file lock/d' \
          -e 's|/rustc/[0-9a-f]*/|/rustc/<hash>/|g' "$scratch/$name.err"
    } > "$here/../output/$name.txt"
    echo "captured ../output/$name.txt"
done
