//! The popular capacity "law" of distillation, as a curve to test rather than a fact to repeat:
//! `Acc_S / Acc_T = 1 / (1 + e^(−k·(C_S/C_T − θ)))`, with `C` the parameter count. Articles cite
//! it ("a student with 30 % of the teacher's capacity keeps 90 % of its accuracy") without a
//! published source we could find. [`fit_logistic`] fits `k` and `θ` to measured points by least
//! squares and reports how well the curve describes them.

use serde::Serialize;

use crate::{err, Result};

/// A fitted curve `r(c) = 1 / (1 + e^(−k·(c − θ)))` and how well it fits.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogisticFit {
    pub k: f64,
    pub theta: f64,
    /// Sum of squared residuals.
    pub sse: f64,
    /// `1 − SSE / Σ (r − mean r)²` (1 = a perfect fit; ≤ 0 = no better than the mean).
    pub r2: f64,
    /// `r_i − r(c_i)` for each point, in the input order.
    pub residuals: Vec<f64>,
    /// Levenberg–Marquardt iterations after the grid start.
    pub iterations: usize,
}

/// `1 / (1 + e^(−k·(c − θ)))`.
pub fn logistic(c: f64, k: f64, theta: f64) -> f64 {
    1.0 / (1.0 + (-k * (c - theta)).exp())
}

fn sse(points: &[(f64, f64)], k: f64, theta: f64) -> f64 {
    points
        .iter()
        .map(|&(c, r)| (r - logistic(c, k, theta)).powi(2))
        .sum()
}

/// Fits `k` and `θ` to `(c, r)` points (`c = C_S/C_T`, `r = Acc_S/Acc_T`) by least squares: a
/// coarse grid (log-spaced `k` from 0.01 to 10⁴, `θ` across and beyond the data) for the start,
/// then Levenberg–Marquardt. Needs three or more finite points with two or more distinct `c`.
pub fn fit_logistic(points: &[(f64, f64)]) -> Result<LogisticFit> {
    if points.len() < 3 {
        return Err(err!(
            "a logistic fit needs at least 3 points, got {}",
            points.len()
        ));
    }
    if points.iter().any(|(c, r)| !c.is_finite() || !r.is_finite()) {
        return Err(err!("a logistic fit needs finite points"));
    }
    let (lo, hi) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &(c, _)| {
            (lo.min(c), hi.max(c))
        });
    if hi - lo <= 0.0 {
        return Err(err!(
            "a logistic fit needs at least two different capacities"
        ));
    }
    // Grid start.
    let span = hi - lo;
    let (mut k, mut theta, mut best) = (1.0, lo, f64::MAX);
    for i in 0..=60 {
        let kk = 10f64.powf(-2.0 + 6.0 * i as f64 / 60.0);
        for j in 0..=80 {
            let t = lo - span + 3.0 * span * j as f64 / 80.0;
            let e = sse(points, kk, t);
            if e < best {
                (k, theta, best) = (kk, t, e);
            }
        }
    }
    // Levenberg–Marquardt on (k, θ).
    let mut lambda = 1e-3;
    let mut iterations = 0;
    for _ in 0..500 {
        iterations += 1;
        let (mut a11, mut a12, mut a22, mut g1, mut g2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(c, r) in points {
            let f = logistic(c, k, theta);
            let d = f * (1.0 - f);
            let (jk, jt) = (d * (c - theta), -d * k);
            let res = r - f;
            a11 += jk * jk;
            a12 += jk * jt;
            a22 += jt * jt;
            g1 += jk * res;
            g2 += jt * res;
        }
        let (b11, b22) = (a11 * (1.0 + lambda), a22 * (1.0 + lambda));
        let det = b11 * b22 - a12 * a12;
        if det.abs() < 1e-300 {
            break;
        }
        let dk = (b22 * g1 - a12 * g2) / det;
        let dt = (b11 * g2 - a12 * g1) / det;
        let e = sse(points, k + dk, theta + dt);
        if e < best {
            let small = (best - e) <= 1e-15 * best.max(1e-300);
            (k, theta, best) = (k + dk, theta + dt, e);
            lambda = (lambda / 3.0).max(1e-12);
            if small || (dk.abs() < 1e-12 * k.abs().max(1.0) && dt.abs() < 1e-12) {
                break;
            }
        } else {
            lambda *= 4.0;
            if lambda > 1e12 {
                break;
            }
        }
    }
    let mean = points.iter().map(|p| p.1).sum::<f64>() / points.len() as f64;
    let sst: f64 = points.iter().map(|p| (p.1 - mean).powi(2)).sum();
    let residuals = points
        .iter()
        .map(|&(c, r)| r - logistic(c, k, theta))
        .collect();
    Ok(LogisticFit {
        k,
        theta,
        sse: best,
        r2: if sst > 0.0 {
            1.0 - best / sst
        } else {
            f64::NAN
        },
        residuals,
        iterations,
    })
}
