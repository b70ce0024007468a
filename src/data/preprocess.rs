//! Turning a drawing into an MNIST-like 28×28 image.
//!
//! LeCun et al. normalised each digit to fit a 20×20 box (keeping its aspect ratio, with
//! anti-aliasing) and then placed it in a 28×28 image so that its centre of mass sits at the
//! centre. We do the same: crop to the ink's bounding box, area-average it down so the longer
//! side is 20 pixels, and shift it so its centre of mass is at (14, 14).

use super::PIXELS;
use crate::{err, Result};

const SIDE: usize = 28;
const BOX: usize = 20;
/// Grey levels at or below this count as background when finding the bounding box.
const INK: u8 = 8;

/// Area-averaging resample of one line of `src` (length `n`) to length `m`.
fn resample_line(src: &[f64], m: usize) -> Vec<f64> {
    let n = src.len();
    let scale = n as f64 / m as f64;
    (0..m)
        .map(|i| {
            let (a, b) = (i as f64 * scale, (i + 1) as f64 * scale);
            let mut sum = 0.0;
            let mut j = a.floor() as usize;
            while (j as f64) < b && j < n {
                let lo = a.max(j as f64);
                let hi = b.min(j as f64 + 1.0);
                sum += src[j] * (hi - lo);
                j += 1;
            }
            sum / scale
        })
        .collect()
}

/// Resamples a `w×h` image to `nw×nh` by area averaging (rows, then columns).
fn resample(img: &[f64], w: usize, h: usize, nw: usize, nh: usize) -> Vec<f64> {
    let rows: Vec<f64> = img
        .chunks_exact(w)
        .flat_map(|r| resample_line(r, nw))
        .collect();
    let mut out = vec![0.0; nw * nh];
    for x in 0..nw {
        let col: Vec<f64> = (0..h).map(|y| rows[y * nw + x]).collect();
        for (y, v) in resample_line(&col, nh).into_iter().enumerate() {
            out[y * nw + x] = v;
        }
    }
    out
}

/// An MNIST-like 28×28 image (784 grey levels, ink = 255) from a `width × height` grey image
/// (ink bright on black). An image without ink gives all zeros.
pub fn mnist_like(gray: &[u8], width: usize, height: usize) -> Result<Vec<u8>> {
    if width == 0 || height == 0 || width > 4096 || height > 4096 {
        return Err(err!(
            "an image of {width}×{height} pixels: expected 1 to 4096 on each side"
        ));
    }
    if gray.len() != width * height {
        return Err(err!(
            "{} grey levels for an image of {width}×{height} pixels",
            gray.len()
        ));
    }
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (i, _) in gray.iter().enumerate().filter(|(_, &g)| g > INK) {
        let (x, y) = (i % width, i / width);
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    if x0 == usize::MAX {
        return Ok(vec![0; PIXELS]);
    }
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
    let crop: Vec<f64> = (y0..=y1)
        .flat_map(|y| {
            gray[y * width + x0..=y * width + x1]
                .iter()
                .map(|&g| f64::from(g))
        })
        .collect();
    // The longer side becomes 20 pixels; the shorter keeps the aspect ratio (at least 1).
    let (nw, nh) = if cw >= ch {
        (
            BOX,
            ((ch * BOX) as f64 / cw as f64).round().max(1.0) as usize,
        )
    } else {
        (
            ((cw * BOX) as f64 / ch as f64).round().max(1.0) as usize,
            BOX,
        )
    };
    let small = resample(&crop, cw, ch, nw, nh);
    let mass: f64 = small.iter().sum();
    let (mut cx, mut cy) = (0.0, 0.0);
    for (i, &v) in small.iter().enumerate() {
        cx += (i % nw) as f64 * v;
        cy += (i / nw) as f64 * v;
    }
    let (cx, cy) = (cx / mass, cy / mass);
    // Pixel centres: the centre of a 28-pixel image is at 13.5 in pixel-index coordinates.
    let (dx, dy) = ((13.5 - cx).round() as i64, (13.5 - cy).round() as i64);
    let mut out = vec![0u8; PIXELS];
    for (i, &v) in small.iter().enumerate() {
        let (x, y) = ((i % nw) as i64 + dx, (i / nw) as i64 + dy);
        if (0..SIDE as i64).contains(&x) && (0..SIDE as i64).contains(&y) {
            out[y as usize * SIDE + x as usize] = v.round().clamp(0.0, 255.0) as u8;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_square_is_fitted_into_20x20_and_centred() {
        // A 10×10 white square in the corner of a 100×60 canvas.
        let (w, h) = (100, 60);
        let mut g = vec![0u8; w * h];
        for y in 2..12 {
            for x in 3..13 {
                g[y * w + x] = 255;
            }
        }
        let img = mnist_like(&g, w, h).unwrap();
        let ink: Vec<usize> = (0..PIXELS).filter(|&i| img[i] > 0).collect();
        assert_eq!(ink.len(), 400);
        assert!(ink.iter().all(|&i| img[i] == 255));
        let (xs, ys): (Vec<usize>, Vec<usize>) = ink.iter().map(|&i| (i % 28, i / 28)).unzip();
        assert_eq!((xs.iter().min(), xs.iter().max()), (Some(&4), Some(&23)));
        assert_eq!((ys.iter().min(), ys.iter().max()), (Some(&4), Some(&23)));
        assert_eq!(mnist_like(&[0; 16], 4, 4).unwrap(), vec![0; PIXELS]);
        assert!(mnist_like(&[0; 5], 2, 2).is_err());
        assert!(mnist_like(&[], 0, 0).is_err());
    }

    #[test]
    fn area_averaging_keeps_the_mean() {
        let line: Vec<f64> = (0..7).map(f64::from).collect();
        let out = resample_line(&line, 3);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean(&out) - mean(&line)).abs() < 1e-12);
    }
}
