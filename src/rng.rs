//! A small, portable, seeded random number generator (SplitMix64).
//!
//! Used for weight initialisation and batch shuffling so that a seed gives the same numbers
//! natively, in wasm, on the CPU and on the GPU: burn's own device RNG is backend-specific.

/// SplitMix64: tiny, fast, and good enough for initialisation and shuffling.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed ^ 0x5851_F42D_4C95_7F2D,
        }
    }

    /// The generator's whole state (for a checkpoint); [`Rng::from_state`] restores it.
    pub fn state(&self) -> u64 {
        self.state
    }

    /// A generator in the state `state` (of [`Rng::state`]).
    pub fn from_state(state: u64) -> Self {
        Self { state }
    }

    /// A generator derived from this seed and a stream name, independent of other streams.
    pub fn stream(seed: u64, name: &str) -> Self {
        // FNV-1a of the name, mixed with the seed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
        Self::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ h)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f32()
    }

    /// A standard normal draw (Box–Muller on two uniform draws).
    pub fn normal(&mut self) -> f32 {
        let u1 = self.uniform(f32::EPSILON, 1.0);
        let u2 = self.uniform(0.0, 1.0);
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }

    /// Uniform integer in `[0, n)`; `n` must be positive.
    pub fn below(&mut self, n: usize) -> usize {
        // Multiply-shift: unbiased enough for n far below 2^64.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// An order-sensitive 64-bit fingerprint (FNV-1a over 64-bit words): equal inputs give equal
/// fingerprints, so two runs can show they started from the same weights and saw the same
/// batches without shipping them around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(u64);

impl Default for Fingerprint {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fingerprint {
    /// Mixes one word in.
    pub fn add(&mut self, word: u64) {
        for b in word.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x100_0000_01b3);
        }
    }

    /// Mixes in the bit patterns of `values`.
    pub fn add_f32s(&mut self, values: &[f32]) {
        for v in values {
            self.add(u64::from(v.to_bits()));
        }
    }

    /// Its value (for a checkpoint); [`Fingerprint::from_value`] restores it.
    pub fn value(&self) -> u64 {
        self.0
    }

    /// The fingerprint of value `value` (of [`Fingerprint::value`]).
    pub fn from_value(value: u64) -> Self {
        Self(value)
    }

    /// Sixteen hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_and_streams_differ() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut s1 = Rng::stream(7, "init");
        let mut s2 = Rng::stream(7, "batches");
        assert_ne!(s1.next_u64(), s2.next_u64());
    }

    #[test]
    fn shuffle_is_a_permutation_and_uniform_in_range() {
        let mut rng = Rng::new(3);
        let mut v: Vec<usize> = (0..1000).collect();
        rng.shuffle(&mut v);
        assert_ne!(v, (0..1000).collect::<Vec<_>>());
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        for _ in 0..1000 {
            let x = rng.uniform(-2.0, 3.0);
            assert!((-2.0..3.0).contains(&x));
            assert!(rng.below(10) < 10);
        }
    }
}
