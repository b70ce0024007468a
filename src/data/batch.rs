//! Seeded shuffling and batching.

use crate::rng::Rng;
use crate::{err, Result};

/// Where a [`Batcher`] stands, for a checkpoint: its generator, the current epoch's order, the
/// position in it and the epochs completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatcherState {
    /// The shuffling generator's state ([`Rng::state`]).
    pub rng: u64,
    /// The current epoch's order of the example indices.
    pub order: Vec<usize>,
    /// The position of the next batch in `order`.
    pub cursor: usize,
    /// Completed epochs.
    pub epoch: usize,
}

/// Yields shuffled mini-batches of example indices, reshuffling every epoch.
///
/// The order depends only on the seed, the dataset size and the batch size, so two runs with
/// the same seed (a distilled student and its hard-label twin, or the CLI and the page) see the
/// same batches. The last batch of an epoch may be smaller.
#[derive(Debug, Clone)]
pub struct Batcher {
    rng: Rng,
    order: Vec<usize>,
    batch_size: usize,
    cursor: usize,
    epoch: usize,
}

impl Batcher {
    /// Batches of `batch_size` (≥ 1) over `0..len`, shuffled with `seed`.
    pub fn new(len: usize, batch_size: usize, seed: u64) -> Self {
        let mut rng = Rng::stream(seed, "batches");
        let mut order: Vec<usize> = (0..len).collect();
        rng.shuffle(&mut order);
        Self {
            rng,
            order,
            batch_size: batch_size.max(1),
            cursor: 0,
            epoch: 0,
        }
    }

    /// Examples per epoch.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether an epoch is empty.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Batches per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Completed epochs so far.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Where it stands ([`Batcher::restore`] puts it back there).
    pub fn state(&self) -> BatcherState {
        BatcherState {
            rng: self.rng.state(),
            order: self.order.clone(),
            cursor: self.cursor,
            epoch: self.epoch,
        }
    }

    /// Puts it where `state` says: refused unless the order is a permutation of this batcher's
    /// examples and the position lies in it.
    pub fn restore(&mut self, state: BatcherState) -> Result<()> {
        let n = self.order.len();
        if state.order.len() != n {
            return Err(err!(
                "the batch order covers {} examples, the run has {n}",
                state.order.len()
            ));
        }
        let mut seen = vec![false; n];
        for &i in &state.order {
            if i >= n || std::mem::replace(&mut seen[i], true) {
                return Err(err!("the batch order is not a permutation of the examples"));
            }
        }
        if state.cursor > n {
            return Err(err!(
                "the batch position {} lies beyond the {n} examples",
                state.cursor
            ));
        }
        self.rng = Rng::from_state(state.rng);
        self.order = state.order;
        self.cursor = state.cursor;
        self.epoch = state.epoch;
        Ok(())
    }

    /// The next batch of indices.
    pub fn next_batch(&mut self) -> Vec<usize> {
        if self.cursor >= self.order.len() {
            self.rng.shuffle(&mut self.order);
            self.cursor = 0;
            self.epoch += 1;
        }
        let end = (self.cursor + self.batch_size).min(self.order.len());
        let batch = self.order[self.cursor..end].to_vec();
        self.cursor = end;
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_covers_every_index_once_and_seeds_reproduce() {
        let mut b = Batcher::new(10, 3, 1);
        assert_eq!(b.batches_per_epoch(), 4);
        let mut seen: Vec<usize> = (0..4).flat_map(|_| b.next_batch()).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let mut a = Batcher::new(100, 7, 42);
        let mut c = Batcher::new(100, 7, 42);
        let mut d = Batcher::new(100, 7, 43);
        let (x, y, z) = (a.next_batch(), c.next_batch(), d.next_batch());
        assert_eq!(x, y);
        assert_ne!(x, z);
        // Second epoch is reshuffled.
        let mut e = Batcher::new(50, 50, 5);
        let first = e.next_batch();
        let second = e.next_batch();
        assert_ne!(first, second);
        assert_eq!(e.epoch(), 1);
    }

    #[test]
    fn a_restored_state_goes_on_with_the_same_batches() {
        let mut a = Batcher::new(20, 6, 3);
        for _ in 0..5 {
            a.next_batch();
        }
        let mut b = Batcher::new(20, 6, 9);
        b.restore(a.state()).unwrap();
        for _ in 0..10 {
            assert_eq!(a.next_batch(), b.next_batch());
        }
        assert_eq!(a.epoch(), b.epoch());
        let mut bad = a.state();
        bad.order[0] = bad.order[1];
        assert!(b
            .restore(bad)
            .unwrap_err()
            .message()
            .contains("permutation"));
        assert!(Batcher::new(21, 6, 3).restore(a.state()).is_err());
    }
}
