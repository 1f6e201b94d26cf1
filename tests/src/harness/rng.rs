//! A tiny random number generator, deterministic and dependency-free: the
//! same seed gives the same numbers on every run, so a failing test that
//! draws random cases can be run again exactly as it failed.

/// Marsaglia's xorshift64 (three shifts and xors per number). Not for
/// secrets; good enough to pick accounts and amounts in a test, or to fill
/// a file with bytes that differ from one offset to the next.
#[derive(Debug, Clone)]
pub struct XorShift {
    state: u64,
}

impl XorShift {
    /// A generator from `seed`. A zero state would stay zero for ever, so a
    /// seed of 0 is replaced by a fixed non-zero one.
    pub fn new(seed: u64) -> Self {
        XorShift {
            state: if seed == 0 {
                0x9E37_79B9_7F4A_7C15
            } else {
                seed
            },
        }
    }

    /// The next number, uniform over `1..=u64::MAX`.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.state = x;
        x
    }

    /// A number in `0..n` (`n > 0`). The tiny bias of `%` does not matter
    /// for tests.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "XorShift::below(0): the range 0..0 is empty");
        self.next_u64() % n
    }

    /// An index into a slice of `len` elements (`len > 0`).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// Fills `buf` with the next numbers, each as its 8 little-endian bytes
    /// (the last one cut short to fit): content that looks random, for
    /// files and messages in which a byte out of place must show.
    pub fn fill_bytes(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    /// The next `len` bytes, as [`XorShift::fill_bytes`] draws them.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut buf = vec![0; len];
        self.fill_bytes(&mut buf);
        buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let draw = |seed| -> Vec<u64> {
            let mut rng = XorShift::new(seed);
            (0..5).map(|_| rng.next_u64()).collect()
        };
        let (first, again) = (draw(42), draw(42));
        assert_eq!(
            first, again,
            "expected seed 42 to draw the same five numbers twice; got {first:?}, then {again:?}"
        );
        let other = draw(43);
        assert_ne!(
            other[0], first[0],
            "expected seeds 42 and 43 to start differently; both drew {}",
            first[0]
        );
    }

    #[test]
    fn stays_in_range_and_survives_seed_zero() {
        let mut r = XorShift::new(0);
        let drawn: Vec<u64> = (0..1000).map(|_| r.below(7)).collect();
        let outside: Vec<&u64> = drawn.iter().filter(|&&n| n >= 7).collect();
        assert!(
            outside.is_empty(),
            "expected below(7) to stay in 0..7 from seed 0; it drew {outside:?}"
        );
        let indices: Vec<usize> = (0..1000).map(|_| r.index(3)).collect();
        assert!(
            indices.contains(&2),
            "expected index(3) to reach the last index, 2, within 1000 draws; it never did"
        );
    }

    #[test]
    fn fill_bytes_lays_the_numbers_out_little_endian_and_cuts_the_last() {
        let mut numbers = XorShift::new(7);
        let mut expected: Vec<u8> = (0..3)
            .flat_map(|_| numbers.next_u64().to_le_bytes())
            .collect();
        expected.truncate(20);
        let got = XorShift::new(7).bytes(20);
        assert_eq!(
            got, expected,
            "expected bytes(20) from seed 7 to be the first three numbers' little-endian \
             bytes, cut to 20 (left: got, right: expected)"
        );
    }
}
