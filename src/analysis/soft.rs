//! Softened distributions of single logit rows, in f64 for accuracy.

/// The number of classes of `logits` holding one row per example of `n`: the row width
/// `len / n` (at least 1, so that it can chunk an empty slice).
pub fn row_width(logits: &[f32], n: usize) -> usize {
    match n {
        0 => 1,
        n => (logits.len() / n).max(1),
    }
}

/// `softmax(z / τ)` of one row of logits, computed stably (max subtracted first).
pub fn softmax_tau(logits: &[f32], tau: f32) -> Vec<f64> {
    let tau = f64::from(tau);
    let max = logits
        .iter()
        .fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
    let exps: Vec<f64> = logits
        .iter()
        .map(|&v| ((f64::from(v) - max) / tau).exp())
        .collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// Shannon entropy of a distribution, in bits (0 for one-hot, log2(10) ≈ 3.32 for uniform
/// over ten classes).
pub fn entropy_bits(p: &[f64]) -> f64 {
    -p.iter()
        .filter(|&&q| q > 0.0)
        .map(|&q| q * q.log2())
        .sum::<f64>()
}

/// `KL(p ‖ q)` in nats; terms with `p = 0` contribute 0, and `q` is floored at 1e-300 so a
/// confident wrong student gives a large finite value instead of ∞.
pub fn kl(p: &[f64], q: &[f64]) -> f64 {
    p.iter()
        .zip(q)
        .filter(|(&a, _)| a > 0.0)
        .map(|(&a, &b)| a * (a.ln() - b.max(1e-300).ln()))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_entropy_and_kl_behave() {
        let p = softmax_tau(&[1.0, 2.0, 3.0], 1.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((p[2] - 0.665_240_955_8).abs() < 1e-9);
        // Extreme logits do not overflow; high τ flattens towards uniform.
        let hot = softmax_tau(&[1000.0, 0.0, -1000.0], 0.5);
        assert_eq!(hot[0], 1.0);
        let flat = softmax_tau(&[1.0, 2.0, 3.0], 1e6);
        assert!(entropy_bits(&flat) > 3f64.log2() - 1e-6);
        assert!((entropy_bits(&[0.5, 0.5]) - 1.0).abs() < 1e-12);
        assert_eq!(kl(&p, &p), 0.0);
        assert!(kl(&[1.0, 0.0], &[0.0, 1.0]) > 600.0);
    }
}
