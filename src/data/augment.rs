//! Data augmentation for teachers: random translations.

use crate::rng::Rng;

/// Shifts each 28×28 image of `batch` (`[n, 784]` row-major) by a random offset in
/// `-max..=max` pixels on each axis, filling with 0 (background).
pub fn jitter(batch: &mut [f32], max: usize, rng: &mut Rng) {
    if max == 0 {
        return;
    }
    let span = 2 * max + 1;
    let mut tmp = [0.0f32; 784];
    for img in batch.chunks_exact_mut(784) {
        let dy = rng.below(span) as isize - max as isize;
        let dx = rng.below(span) as isize - max as isize;
        tmp.fill(0.0);
        for y in 0..28isize {
            let sy = y - dy;
            if !(0..28).contains(&sy) {
                continue;
            }
            for x in 0..28isize {
                let sx = x - dx;
                if (0..28).contains(&sx) {
                    tmp[(y * 28 + x) as usize] = img[(sy * 28 + sx) as usize];
                }
            }
        }
        img.copy_from_slice(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_moves_pixels_and_keeps_them_when_max_is_zero() {
        let mut img = vec![0.0f32; 784];
        img[14 * 28 + 14] = 1.0;
        let orig = img.clone();
        jitter(&mut img, 0, &mut Rng::new(1));
        assert_eq!(img, orig);
        let mut moved = 0;
        for s in 0..20 {
            let mut j = orig.clone();
            jitter(&mut j, 2, &mut Rng::new(s));
            assert_eq!(j.iter().sum::<f32>(), 1.0);
            if j != orig {
                moved += 1;
            }
        }
        assert!(moved > 10);
    }
}
