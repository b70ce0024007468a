//! The loss of one training step: plain cross-entropy without a teacher, else the run's method
//! ([`crate::method`]) on what the step gives it.

use crate::distill::cross_entropy;
use crate::method::{Step, StepLoss};

/// The loss of `step`: its method's, or cross-entropy on hard labels without a teacher.
pub(super) fn step_loss(step: Step, with_teacher: bool) -> StepLoss {
    if !with_teacher {
        let c = step.config;
        return cross_entropy(step.student.net.forward(step.x, c.dropout), step.y).into();
    }
    step.method().get().loss(step)
}
