//! Readers and writers that move a few bytes per call, the way a real socket
//! may: code that assumes one `read` is one message fails against them.
//! They also record the largest buffer a call offered, which shows whether
//! code streams in chunks or reads everything at once.

use std::io::{self, Read, Seek, SeekFrom, Write};

/// Wraps a reader or a writer so that each `read` returns, and each `write`
/// accepts, at most `per_call` bytes. `Trickle::bytewise(Cursor::new(data))`
/// hands `data` out one byte per read, which no correct reader of a byte
/// stream may mind; a writer that forgets `write` can write less than asked
/// loses bytes through it.
pub struct Trickle<T> {
    inner: T,
    per_call: usize,
    calls: usize,
    largest_ask: usize,
}

impl<T> Trickle<T> {
    /// At most `per_call` bytes per call (at least 1).
    pub fn new(inner: T, per_call: usize) -> Self {
        Trickle {
            inner,
            per_call: per_call.max(1),
            calls: 0,
            largest_ask: 0,
        }
    }

    /// One byte per call.
    pub fn bytewise(inner: T) -> Self {
        Trickle::new(inner, 1)
    }

    /// How many `read`/`write` calls reached this wrapper so far.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// The largest buffer any `read` offered to fill, or any `write` offered
    /// to write, so far (before the cut to `per_call`). Code that streams in
    /// chunks of N bytes never offers more than N; `read_to_end` on a large
    /// input offers ever larger buffers.
    pub fn largest_ask(&self) -> usize {
        self.largest_ask
    }

    /// The wrapped reader or writer (for a `Vec<u8>`: what was written).
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        self.largest_ask = self.largest_ask.max(buf.len());
        let n = buf.len().min(self.per_call);
        self.inner.read(&mut buf[..n])
    }
}

impl<W: Write> Write for Trickle<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls += 1;
        self.largest_ask = self.largest_ask.max(buf.len());
        let n = buf.len().min(self.per_call);
        self.inner.write(&buf[..n])
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Seeking passes straight through (it moves no bytes, so it is not cut).
impl<T: Seek> Seek for Trickle<T> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_one_byte_at_a_time() {
        let mut reader = Trickle::bytewise(Cursor::new(b"abc".to_vec()));
        let mut buf = [0u8; 8];
        let first = reader.read(&mut buf).unwrap();
        assert_eq!(
            first, 1,
            "a bytewise Trickle offered 8 bytes of room should read 1 byte; it read {first}"
        );
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(
            rest,
            b"bc",
            "after the first byte of \"abc\", the rest should be \"bc\"; got {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    #[test]
    fn accepts_a_few_bytes_per_write() {
        let mut writer = Trickle::new(Vec::new(), 2);
        let taken = writer.write(b"abcde").unwrap();
        assert_eq!(
            taken, 2,
            "a Trickle of 2 bytes per write should take 2 of \"abcde\"; it took {taken}"
        );
        writer.write_all(b"fgh").unwrap();
        let written = writer.into_inner();
        assert_eq!(
            written,
            b"abfgh",
            "2 bytes of \"abcde\", then all of \"fgh\", should leave \"abfgh\"; got {:?}",
            String::from_utf8_lossy(&written)
        );
    }

    #[test]
    fn records_the_largest_buffer_offered_and_seeks() {
        let mut reader = Trickle::new(Cursor::new(vec![7u8; 100]), 10);
        reader.seek(SeekFrom::Start(95)).unwrap();
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        assert_eq!(
            rest, [7u8; 5],
            "after a seek to 95 of 100 bytes, the last 5 should be read; got {rest:?}"
        );
        let asked = reader.largest_ask();
        assert!(
            asked >= 32,
            "read_to_end offers a big buffer: expected a largest ask of 32 bytes or more, \
             got {asked}"
        );
    }
}
