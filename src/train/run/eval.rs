//! What the run's current student does: predict, evaluate on the test set, quantize.

use super::{Run, CALIBRATION_IMAGES};
use crate::data::PIXELS;
use crate::model::QuantNet;
use crate::train::{evaluate_logits, predict_with, soft_term_rows, Evaluation};
use crate::Result;

impl Run {
    /// The bits the student trains and predicts at (fake quantization), `None` = full
    /// precision: set for a quantization-aware run with a teacher.
    pub fn fake_quant_bits(&self) -> Option<u32> {
        self.config.fake_quant_bits().filter(|_| self.has_teacher())
    }

    /// Logits of the current weights for `images` (`n * 784` grey levels), `[n, classes]`
    /// (fake-quantized for a quantization-aware run).
    pub async fn predict_images(&self, images: &[u8]) -> Result<Vec<f32>> {
        let bits = self.fake_quant_bits();
        predict_with(&self.model.net, images, &self.device, bits).await
    }

    /// Test-set accuracy, errors and loss of the current weights.
    pub async fn evaluate(&self) -> Result<Evaluation> {
        let logits = self.predict_images(&self.data.test.images).await?;
        let mut e = evaluate_logits(self.step, &logits, &self.data.test.labels);
        if let Some(teacher) = self.teachers.first() {
            let tau = self.config.tau_at(self.step, self.total_steps) as f64;
            e.soft_loss = Some(soft_term_rows(&logits, &teacher.test, teacher.classes, tau));
            e.tau = Some(tau);
            e.alpha = Some(self.config.alpha_at(self.step, self.total_steps) as f64);
        }
        Ok(e)
    }

    /// The current weights as an integer network of `bits` bits (post-training quantization,
    /// or the end of a quantization-aware run), its activation scales calibrated on the first
    /// [`CALIBRATION_IMAGES`] training images of the run.
    pub async fn quantize(&self, bits: u32) -> Result<QuantNet> {
        let host = self.model.net.to_host().await?;
        let n = self.batcher.len().min(CALIBRATION_IMAGES);
        let images = &self.data.train.images[..n * PIXELS];
        QuantNet::quantize(&self.spec, &host, bits, images)
    }
}
