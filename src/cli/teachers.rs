//! The teachers a command learns from: logits files, teachers' weight files (their logits
//! computed here), or the bundled teachers.

use std::path::PathBuf;
use std::sync::Arc;

use distill_lab::backend::{block_on, cpu_device};
use distill_lab::data::Dataset;
use distill_lab::model::{file_format, load_logits, load_weights, TeacherLogits, WEIGHTS_FORMAT};
use distill_lab::train::teacher_logits;
use distill_lab::{err, Result};

use super::read;

/// The logits of `count` bundled teachers for `dataset` (1: the CNN teacher; 2: also the MLP
/// teacher, for the multi-teacher methods).
pub(super) fn bundled_teachers(dataset: &str, count: usize) -> Result<Vec<Arc<TeacherLogits>>> {
    let paths: Vec<PathBuf> = ["teacher", "mlp-teacher"][..count.clamp(1, 2)]
        .iter()
        .map(|n| PathBuf::from(format!("www/models/{dataset}-{n}.logits.safetensors")))
        .collect();
    load_teachers(&paths, None)
}

/// The teachers of `paths`: logits files, or teachers' weight files (yours: from `train-teacher`
/// or `tools/export_teacher.py`), whose logits on `data` are computed here.
pub(super) fn load_teachers(
    paths: &[PathBuf],
    data: Option<&Dataset>,
) -> Result<Vec<Arc<TeacherLogits>>> {
    paths
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            let bytes = read(path)?;
            if file_format(&bytes).as_deref() != Some(WEIGHTS_FORMAT) {
                return Ok(Arc::new(load_logits(&file, &bytes)?));
            }
            let data =
                data.ok_or_else(|| err!("{file}: a weight file, where logits are needed"))?;
            let device = cpu_device();
            let (spec, net, _) = load_weights(&file, &bytes, None, &device)?;
            eprintln!(
                "{file}: computing the teacher's logits on {} + {} images…",
                data.train.len(),
                data.test.len()
            );
            let logits = block_on(teacher_logits(&net, &spec, data, &device))
                .map_err(|e| e.context(&file))?;
            Ok(Arc::new(logits))
        })
        .collect()
}

/// `--teacher` files, or `count` bundled teachers for `data`.
pub(super) fn teachers_for(
    paths: &[PathBuf],
    data: &Dataset,
    count: usize,
) -> Result<Vec<Arc<TeacherLogits>>> {
    match paths.is_empty() {
        true => bundled_teachers(&data.name, count),
        false => load_teachers(paths, Some(data)),
    }
}
