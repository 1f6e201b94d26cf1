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

    /// A generator for a test's random cases: from `fixed` itself on a
    /// plain run, so that `cargo xtask check` draws the same cases every
    /// time; from `fixed` mixed with the run's seed ([`run_seed`]) when
    /// `cargo xtask check --repeat` sets one, so that each repeated run
    /// draws other cases and a failure names the seed that replays it.
    pub fn seeded(fixed: u64) -> Self {
        XorShift::new(mixed_seed(fixed))
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

/// The variable in which `cargo xtask check --repeat` gives each run its
/// seed (decimal, or hexadecimal after `0x`).
pub const SEED_VARIABLE: &str = "NETKIT_SEED";

/// The run's seed: [`SEED_VARIABLE`]'s value, or 0 (a plain run) when it is
/// unset, empty or not a number.
pub fn run_seed() -> u64 {
    std::env::var(SEED_VARIABLE)
        .ok()
        .and_then(|text| parse_seed(&text))
        .unwrap_or(0)
}

/// `fixed` on a plain run; else `fixed` mixed with the run's seed, so that
/// every generator of the run gets other numbers, and the same ones again
/// for the same seed. Use it for any seed a test draws cases from
/// (proptest's `RngSeed::Fixed` too).
pub fn mixed_seed(fixed: u64) -> u64 {
    match run_seed() {
        0 => fixed,
        seed => fixed ^ splitmix64(seed),
    }
}

/// A seed as `cargo xtask check --seed` and [`SEED_VARIABLE`] take it:
/// `12345` or `0x3039`.
pub fn parse_seed(text: &str) -> Option<u64> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// One step of splitmix64: spreads a small seed (1, 2, …) over all 64
/// bits, so that seeds that differ by one give unrelated numbers.
fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_parse_in_decimal_and_hexadecimal() {
        for (text, expected) in [
            ("12345", Some(12345)),
            ("0x3039", Some(12345)),
            (" 7 ", Some(7)),
            ("", None),
            ("x", None),
        ] {
            assert_eq!(
                parse_seed(text),
                expected,
                "expected the seed {text:?} to parse as {expected:?}"
            );
        }
        assert_ne!(
            splitmix64(1),
            splitmix64(2),
            "seeds 1 and 2 must give other numbers"
        );
    }

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
