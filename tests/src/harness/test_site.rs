//! A small static site (a page, its style sheet, an image) for the tests of
//! the real peers: written to a temporary folder that nginx then serves.

/// The site's files: name and contents.
pub const FILES: &[(&str, &[u8])] = &[
    ("index.html", include_bytes!("test_site/index.html")),
    ("style.css", include_bytes!("test_site/style.css")),
    ("dot.png", include_bytes!("test_site/dot.png")),
];

/// The image's size in pixels (its PNG header says so too).
pub const DOT: (u32, u32) = (24, 16);

/// The site, in a temporary folder removed when it is dropped.
pub fn write() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder for the site");
    for (name, bytes) in FILES {
        std::fs::write(dir.path().join(name), bytes).expect("write the site's file");
    }
    dir
}

/// The width and height in a PNG's header, or `None` if `bytes` is no PNG
/// (signature, then an `IHDR` chunk first, and an `IEND` chunk last).
pub fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let signature = b"\x89PNG\r\n\x1a\n";
    if bytes.len() < 33 || !bytes.starts_with(signature) || &bytes[12..16] != b"IHDR" {
        return None;
    }
    if !bytes.ends_with(b"IEND\xaeB`\x82") {
        return None;
    }
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    Some((be(16), be(20)))
}

#[test]
fn the_sites_image_is_a_png_of_its_size() {
    assert_eq!(png_size(FILES[2].1), Some(DOT), "dot.png's header");
    assert_eq!(png_size(b"GIF89a"), None, "a GIF is no PNG");
}
