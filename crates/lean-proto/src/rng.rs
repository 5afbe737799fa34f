//! A tiny seeded generator (SplitMix64) for retry jitter. The core has no ambient randomness:
//! the same seed gives the same waits, so transcripts and property tests are reproducible.

/// SplitMix64: fast, statistically fine for jitter, not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

/// The stream's step (the golden ratio's 64-bit fraction).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl Rng {
    /// The `n`-th output (from 0) of the stream seeded with `seed`, without drawing the ones
    /// before it: one value per call number from one key, distinct for every `n`.
    pub fn nth(seed: u64, n: u64) -> u64 {
        Rng(seed.wrapping_add(n.wrapping_mul(GAMMA))).next_u64()
    }

    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..=max`.
    pub fn below_or_eq(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        self.next_u64() % (max + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn nth_is_the_stream_drawn_that_far() {
        for seed in [0, 1, 0x1ea4, u64::MAX] {
            let mut stream = Rng::new(seed);
            for n in 0..20 {
                assert_eq!(Rng::nth(seed, n), stream.next_u64(), "seed {seed}, n {n}");
            }
        }
    }
}
