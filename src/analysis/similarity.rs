//! The dark-knowledge matrix: the teacher's mean softened distribution per true class.
//!
//! Row `i` is the mean of `softmax(t/τ)` over the examples of true class `i`. Its off-diagonal
//! entries are what Hinton et al. call dark knowledge: how much the teacher thinks a 4 looks
//! like a 9. Computed the same way by the CLI (`distill-lab analyze similarity`) and the page.

use serde::Serialize;

use super::soft::softmax_tau;
use crate::data::{MAX_CLASSES, MIN_CLASSES};
use crate::{err, Result};

/// Two classes the teacher finds alike.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pair {
    /// The lower class index.
    pub a: usize,
    /// The higher class index.
    pub b: usize,
    /// `(M[a][b] + M[b][a]) / 2`.
    pub score: f64,
}

/// The matrix at one temperature, with the most similar pairs and example images per cell.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Similarity {
    /// The temperature τ.
    pub tau: f32,
    /// `[classes, classes]` row-major; each row sums to 1 (rows of absent classes are 0).
    pub matrix: Vec<f64>,
    /// Examples per true class.
    pub counts: Vec<usize>,
    /// Off-diagonal pairs, most similar first (all `classes · (classes − 1) / 2`).
    pub pairs: Vec<Pair>,
    /// `[classes · classes][k]`: for cell (i, j), the indices of the class-`i` examples to which the
    /// teacher gives the highest probability of class `j`.
    pub examples: Vec<Vec<usize>>,
}

/// Computes the matrix from `logits` (`[n, classes]` row-major, the class count their width)
/// and their true `labels` at `tau` (> 0), with `k` example indices per cell.
pub fn similarity(logits: &[f32], labels: &[u8], tau: f32, k: usize) -> Result<Similarity> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(err!("temperature {tau}: must be a positive number"));
    }
    let classes = match labels.len() {
        0 => 0,
        n => logits.len() / n,
    };
    if labels.is_empty()
        || logits.len() != labels.len() * classes
        || !(MIN_CLASSES..=MAX_CLASSES).contains(&classes)
        || labels.iter().any(|&y| y as usize >= classes)
    {
        return Err(err!(
            "{} logits for {} labels: expected {MIN_CLASSES} to {MAX_CLASSES} per example, more \
             than the largest label",
            logits.len(),
            labels.len()
        ));
    }
    let mut sums = vec![0.0f64; classes * classes];
    let mut counts = vec![0usize; classes];
    // Per cell, the best k (probability, index) so far.
    let mut best: Vec<Vec<(f64, usize)>> = vec![Vec::new(); classes * classes];
    for (idx, (row, &y)) in logits.chunks_exact(classes).zip(labels).enumerate() {
        let y = y as usize;
        let p = softmax_tau(row, tau);
        counts[y] += 1;
        for (j, &pj) in p.iter().enumerate() {
            sums[y * classes + j] += pj;
            let cell = &mut best[y * classes + j];
            if cell.len() < k || cell.last().is_some_and(|&(q, _)| pj > q) {
                let at = cell.partition_point(|&(q, _)| q >= pj);
                cell.insert(at, (pj, idx));
                cell.truncate(k);
            }
        }
    }
    let matrix: Vec<f64> = sums
        .iter()
        .enumerate()
        .map(|(c, &s)| s / counts[c / classes].max(1) as f64)
        .collect();
    let mut pairs = Vec::new();
    for a in 0..classes {
        for b in a + 1..classes {
            let score = (matrix[a * classes + b] + matrix[b * classes + a]) / 2.0;
            pairs.push(Pair { a, b, score });
        }
    }
    pairs.sort_by(|x, y| y.score.total_cmp(&x.score));
    let examples = best
        .into_iter()
        .map(|cell| cell.into_iter().map(|(_, i)| i).collect())
        .collect();
    Ok(Similarity {
        tau,
        matrix,
        counts,
        pairs,
        examples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSES: usize = 10;

    #[test]
    fn rows_are_mean_soft_labels_and_pairs_are_symmetric_scores() {
        // Class 0 examples lean towards class 1; class 1 examples towards 0; class 2 is sure.
        let mut logits = vec![0.0f32; 4 * CLASSES];
        logits[0] = 5.0;
        logits[1] = 3.0; // ex 0: class 0, some 1
        logits[CLASSES] = 5.0;
        logits[CLASSES + 1] = 1.0; // ex 1: class 0, a little 1
        logits[2 * CLASSES + 1] = 5.0;
        logits[2 * CLASSES] = 3.0; // ex 2: class 1, some 0
        logits[3 * CLASSES + 2] = 30.0; // ex 3: class 2
        let labels = [0, 0, 1, 2];
        let s = similarity(&logits, &labels, 2.0, 2).unwrap();
        for r in 0..3 {
            let sum: f64 = s.matrix[r * CLASSES..(r + 1) * CLASSES].iter().sum();
            assert!((sum - 1.0).abs() < 1e-9);
        }
        let p0 = softmax_tau(&logits[..CLASSES], 2.0);
        let p1 = softmax_tau(&logits[CLASSES..2 * CLASSES], 2.0);
        assert!((s.matrix[1] - (p0[1] + p1[1]) / 2.0).abs() < 1e-12);
        assert_eq!(s.counts[..3], [2, 1, 1]);
        assert_eq!((s.pairs[0].a, s.pairs[0].b), (0, 1));
        assert_eq!(s.pairs.len(), 45);
        // Examples of cell (0, 1): example 0 (more 1-like) before example 1.
        assert_eq!(s.examples[1], vec![0, 1]);
        assert!(similarity(&logits, &labels, 0.0, 1).is_err());
        assert!(similarity(&logits[..5], &labels, 1.0, 1).is_err());
    }
}
