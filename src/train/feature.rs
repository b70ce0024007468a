//! The feature-based methods' side of a run: the checks and the losses that need the teacher
//! network's intermediate features (FitNets, attention transfer, RKD, FSP). The teacher network
//! runs alongside the student, without gradients.

use burn::tensor::module::avg_pool2d;
use burn::tensor::ops::AvgPoolOptions;
use burn::tensor::Tensor;

use super::progressive::layer_feature;
use super::{Method, Student, TrainConfig};
use crate::distill::{
    attention_loss, cross_entropy, fsp_loss, fsp_matrix, hint_loss, hinton_loss, pair_rows,
    progressive_stage, rkd_loss,
};
use crate::model::{Features, ModelSpec};
use crate::{err, Result};

/// Share of the steps the two-stage FitNets recipe spends on the hint alone.
pub const HINT_STAGE: f32 = 0.3;

/// Width of the last hidden dense layer of `spec` (the layer FitNets and RKD use).
fn last_hidden(spec: &ModelSpec) -> Option<usize> {
    match spec {
        ModelSpec::Mlp { hidden } => hidden.last().copied(),
        ModelSpec::Cnn { hidden, .. } => Some(*hidden),
    }
}

/// Checks that `student` and `teacher` have the features `method` needs.
pub fn check_features(method: Method, student: &ModelSpec, teacher: &ModelSpec) -> Result<()> {
    let dense = matches!(
        method,
        Method::Fitnets | Method::FitnetsTwoStage | Method::Rkd
    );
    if dense && (last_hidden(student).is_none() || last_hidden(teacher).is_none()) {
        return Err(err!(
            "method {} needs a hidden layer in the student ({student}) and the teacher ({teacher})",
            method.name()
        ));
    }
    if method == Method::DataFree && last_hidden(teacher).is_none() {
        return Err(err!(
            "data-free distillation needs a hidden layer in the teacher ({teacher}) for its activation loss"
        ));
    }
    let cnn = |s: &ModelSpec| matches!(s, ModelSpec::Cnn { .. });
    if method == Method::Attention && !(cnn(student) && cnn(teacher)) {
        return Err(err!(
            "attention transfer needs CNN student and teacher (same two pooled resolutions), got {student} and {teacher}"
        ));
    }
    if method == Method::Fsp {
        let channels = |s: &ModelSpec| match s {
            ModelSpec::Cnn { channels, .. } => Some(*channels),
            ModelSpec::Mlp { .. } => None,
        };
        if channels(student).is_none() || channels(student) != channels(teacher) {
            return Err(err!(
                "FSP compares the teacher's and the student's conv layers channel by channel: it needs a CNN student with the teacher's conv channels (e.g. cnn:32,64,64 for {teacher}), got {student}"
            ));
        }
    }
    Ok(())
}

/// The FSP matrices of a CNN's two layer transitions: input → first block and first block →
/// second block, each earlier map average-pooled to the later one's resolution.
fn fsp_pairs(f: &Features) -> [Tensor<3>; 2] {
    let pool = |t: Tensor<4>| avg_pool2d(t, AvgPoolOptions::new([2, 2]));
    [
        fsp_matrix(pool(f.input.clone()), f.maps[0].clone()),
        fsp_matrix(pool(f.maps[0].clone()), f.maps[1].clone()),
    ]
}

/// The regressor a method needs, as `(d_s, d_t)`.
pub fn regressor_dims(
    method: Method,
    student: &ModelSpec,
    teacher: &ModelSpec,
) -> Option<(usize, usize)> {
    match method {
        Method::Fitnets | Method::FitnetsTwoStage => {
            Some((last_hidden(student)?, last_hidden(teacher)?))
        }
        _ => None,
    }
}

/// The loss of a feature-based method at `step` of `total`.
///
/// - FitNets, joint: Hinton's loss + `hint_weight`·hint(last hidden layers);
/// - FitNets, two stages: the hint alone for the first [`HINT_STAGE`] of the steps, then Hinton's;
/// - attention transfer: Hinton's loss + `at_beta`/2 · Σ AT over the two conv blocks;
/// - RKD: `α·CE + (1−α)·(25·L_D + 50·L_A)` on the last hidden layers;
/// - FSP, the paper's two stages: Σ FSP over both layer transitions alone for the first
///   [`HINT_STAGE`] of the steps, then Hinton's loss;
/// - progressive: the adapted hint of the pair of `layer_map` whose turn it is
///   ([`progressive_stage`]), then Hinton's loss.
#[allow(clippy::too_many_arguments)]
pub fn feature_loss(
    c: &TrainConfig,
    student: &Student,
    layer_map: &[(usize, usize)],
    s: Features,
    t: Features,
    teacher_logits: Tensor<2>,
    y: Tensor<2>,
    (alpha, tau): (f32, f32),
    (step, total): (usize, usize),
) -> Tensor<1> {
    let last = |f: &Features| f.hidden.last().cloned().expect("checked by check_features");
    match c.method {
        Method::Progressive => match progressive_stage(step, total, layer_map.len()) {
            Some(k) => {
                let (ti, si) = layer_map[k];
                let (w, b) = student.adapter(k).expect("added with the teacher network");
                let (rs, rt) = pair_rows(layer_feature(&s, si), layer_feature(&t, ti));
                hint_loss(rs, w, b, rt)
            }
            None => hinton_loss(s.logits, teacher_logits, y, alpha, tau),
        },
        Method::Fitnets | Method::FitnetsTwoStage => {
            let (w, b) = student.regressor().expect("added with the teacher network");
            let hint = hint_loss(last(&s), w, b, last(&t));
            if c.method == Method::FitnetsTwoStage {
                if (step as f32) < HINT_STAGE * total as f32 {
                    return hint;
                }
                return hinton_loss(s.logits, teacher_logits, y, alpha, tau);
            }
            hinton_loss(s.logits, teacher_logits, y, alpha, tau) + hint * c.hint_weight
        }
        Method::Attention => {
            let at = s
                .maps
                .iter()
                .zip(&t.maps)
                .map(|(a, b)| attention_loss(a.clone(), b.clone()))
                .reduce(|a, b| a + b)
                .expect("two conv blocks");
            hinton_loss(s.logits, teacher_logits, y, alpha, tau) + at * (c.at_beta / 2.0)
        }
        Method::Rkd => {
            let rkd = rkd_loss(last(&s), last(&t));
            cross_entropy(s.logits, y) * alpha + rkd * (1.0 - alpha)
        }
        Method::Fsp => {
            if (step as f32) < HINT_STAGE * total as f32 {
                let [s1, s2] = fsp_pairs(&s);
                let [t1, t2] = fsp_pairs(&t);
                return fsp_loss(s1, t1) + fsp_loss(s2, t2);
            }
            hinton_loss(s.logits, teacher_logits, y, alpha, tau)
        }
        other => unreachable!("{} is not a feature method", other.name()),
    }
}
