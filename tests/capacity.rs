//! The capacity-law fit recovers known curves (exact and noisy) and refuses data it cannot fit.

use distill_lab::analysis::{fit_logistic, logistic};

const CAPACITIES: [f64; 12] = [
    0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.45, 0.7, 1.0,
];

fn curve(k: f64, theta: f64, noise: f64) -> Vec<(f64, f64)> {
    CAPACITIES
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            // Deterministic ±noise (alternating, uneven).
            let wiggle = noise * [1.0, -0.6, 0.3, -1.0, 0.8, -0.2][i % 6];
            (c, logistic(c, k, theta) + wiggle)
        })
        .collect()
}

#[test]
fn exact_points_give_back_k_and_theta() {
    for (k, theta) in [(12.0, 0.2), (40.0, 0.05), (6.0, 0.5)] {
        let fit = fit_logistic(&curve(k, theta, 0.0)).unwrap();
        assert!((fit.k - k).abs() < 1e-4 * k, "k {} vs {k}", fit.k);
        assert!(
            (fit.theta - theta).abs() < 1e-5,
            "θ {} vs {theta}",
            fit.theta
        );
        assert!(fit.r2 > 0.999_999, "R² {}", fit.r2);
        assert!(fit.residuals.iter().all(|r| r.abs() < 1e-6));
    }
}

#[test]
fn noisy_points_give_back_k_and_theta_nearly_and_say_how_well() {
    let fit = fit_logistic(&curve(12.0, 0.2, 0.01)).unwrap();
    assert!((fit.k - 12.0).abs() < 0.15 * 12.0, "k {}", fit.k);
    assert!((fit.theta - 0.2).abs() < 0.02, "θ {}", fit.theta);
    assert!(fit.r2 > 0.99 && fit.r2 < 1.0, "R² {}", fit.r2);
    assert_eq!(fit.residuals.len(), CAPACITIES.len());
    // Data no logistic can follow (a V shape) get a poor R².
    let v: Vec<(f64, f64)> = CAPACITIES.iter().map(|&c| (c, (c - 0.5).abs())).collect();
    assert!(fit_logistic(&v).unwrap().r2 < 0.9);
}

#[test]
fn too_few_or_bad_points_are_refused() {
    assert!(fit_logistic(&[(0.1, 0.5), (0.2, 0.6)]).is_err());
    assert!(fit_logistic(&[(0.1, 0.5), (0.2, f64::NAN), (0.3, 0.7)]).is_err());
    let e = fit_logistic(&[(0.1, 0.5), (0.1, 0.6), (0.1, 0.7)]).unwrap_err();
    assert!(e.message().contains("different capacities"), "{e}");
}
