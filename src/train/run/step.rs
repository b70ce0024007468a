//! One training step's inputs, as the method's loss sees them ([`Step`]): the batch (or, for a
//! generator method, its noise), the teachers' logits for it, α and τ at the step.

use burn::tensor::{Tensor, TensorData};

use super::Run;
use crate::data::{jitter, PIXELS};
use crate::method::{Step, StepLoss};
use crate::train::data_free::noise;
use crate::train::loss::step_loss;

impl Run {
    /// The loss of the step on the training examples `indices`.
    pub(super) fn loss(&mut self, indices: &[usize]) -> StepLoss {
        let b = indices.len();
        let needs = self.config.method.needs();
        let (step, total) = (self.step, self.total_steps);
        let (alpha, tau) = (
            self.config.alpha_at(step, total),
            self.config.tau_at(step, total),
        );
        let generated = needs.generator && self.has_teacher();
        let k = self.data.classes();
        let (x, y, teacher_rows) = if generated {
            // Noise only: this branch reads no training image, label or stored teacher output.
            let z = noise(b, k, &mut self.aug_rng, &self.device);
            (z, Tensor::zeros([b, k], &self.device), Vec::new())
        } else {
            let mut x = self.data.train.inputs(indices);
            jitter(&mut x, self.config.jitter, &mut self.aug_rng);
            let x = Tensor::<2>::from_data(TensorData::new(x, [b, PIXELS]), &self.device);
            let y = Tensor::<2>::from_data(
                TensorData::new(self.data.train.one_hot(indices, k), [b, k]),
                &self.device,
            );
            // Only the multi-teacher methods read more than the first teacher.
            let used = self.teachers.len().min(needs.teachers);
            let rows = self.teachers[..used]
                .iter()
                .map(|t| t.train_rows(indices))
                .collect();
            (x, y, rows)
        };
        let teachers: Vec<Tensor<2>> = teacher_rows
            .iter()
            .map(|rows: &Vec<f32>| {
                let k = rows.len() / b;
                Tensor::from_data(TensorData::new(rows.clone(), [b, k]), &self.device)
            })
            .collect();
        let with_teacher = self.has_teacher();
        let step = Step {
            config: &self.config,
            student: &self.model,
            teacher_net: self.teacher_net.as_ref().map(|(_, net)| net),
            x,
            y,
            teachers,
            teacher_rows,
            alpha,
            tau,
            step,
            total,
            layer_map: &self.layer_map,
            stats: &self.feature_stats,
            device: &self.device,
        };
        step_loss(step, with_teacher)
    }
}
