//! A tiny random number generator, deterministic and dependency-free: the
//! same seed gives the same numbers on every run, so a failing test that
//! draws random cases can be run again exactly as it failed.

/// Marsaglia's xorshift64 (three shifts and xors per number). Not for
/// secrets; good enough to pick accounts and amounts in a test.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = XorShift::new(42);
        let mut b = XorShift::new(42);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert!(
            first
                .iter()
                .zip((0..5).map(|_| b.next_u64()))
                .all(|(x, y)| *x == y)
        );
        assert_ne!(XorShift::new(43).next_u64(), first[0]);
    }

    #[test]
    fn stays_in_range_and_survives_seed_zero() {
        let mut r = XorShift::new(0);
        assert!((0..1000).all(|_| r.below(7) < 7));
        assert!((0..1000).map(|_| r.index(3)).any(|i| i == 2));
    }
}
