//! A gallery of test examples worth looking at through the teacher's eyes.

use serde::Serialize;

use super::soft::{entropy_bits, row_width, softmax_tau};

/// Indices of test examples, chosen from the teacher's logits at τ = 1.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Gallery {
    /// The largest gap between the top two logits first.
    pub confident: Vec<usize>,
    /// The highest entropy of the teacher's distribution first.
    pub ambiguous: Vec<usize>,
    /// The first example of each class, in class order (absent classes skipped).
    pub per_class: Vec<usize>,
}

/// Picks `k` confident and `k` ambiguous examples, and one per class, from `logits`
/// (`[n, classes]` row-major, one row per label).
pub fn gallery(logits: &[f32], labels: &[u8], k: usize) -> Gallery {
    let classes = row_width(logits, labels.len());
    let rows: Vec<&[f32]> = logits.chunks_exact(classes).collect();
    let margin = |r: &[f32]| {
        let mut s = r.to_vec();
        s.sort_by(|a, b| b.total_cmp(a));
        f64::from(s[0] - s.get(1).copied().unwrap_or(s[0]))
    };
    let top = |score: &dyn Fn(&[f32]) -> f64| {
        let mut scored: Vec<(f64, usize)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (score(r), i))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.into_iter().take(k).map(|(_, i)| i).collect()
    };
    let confident = top(&margin);
    let ambiguous = top(&|r| entropy_bits(&softmax_tau(r, 1.0)));
    let per_class = (0..classes.min(256) as u8)
        .filter_map(|c| labels.iter().position(|&y| y == c))
        .collect();
    Gallery {
        confident,
        ambiguous,
        per_class,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSES: usize = 10;

    #[test]
    fn picks_by_margin_entropy_and_class() {
        let mut logits = vec![0.0f32; 3 * CLASSES];
        logits[3] = 9.0; // ex 0: sure
        logits[CLASSES + 5] = 1.0; // ex 1: nearly uniform
        logits[2 * CLASSES + 7] = 20.0; // ex 2: surest
        let g = gallery(&logits, &[3, 5, 3], 2);
        assert_eq!(g.confident, vec![2, 0]);
        assert_eq!(g.ambiguous[0], 1);
        assert_eq!(g.per_class, vec![0, 1]);
    }
}
