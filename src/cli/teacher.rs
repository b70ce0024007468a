//! `train-teacher`: trains a teacher and writes its weights, logits and model card.

use distill_lab::backend::block_on;
use distill_lab::model::{load_logits, load_weights, save_logits, save_weights};
use distill_lab::train::{teacher_logits, FeatureStats, Run, TrainConfig, FEATURE_STATS_KEY};
use distill_lab::{err, Result};
use serde_json::json;

use super::{read, run_loop, TeacherArgs, TeacherStatsArgs};

/// Trains the teacher, then writes `<dataset>-teacher.safetensors` (weights),
/// `<dataset>-teacher.logits.safetensors` (f16 logits on every train and test image) and
/// `<dataset>-teacher.json` (the model card).
pub fn train_teacher(a: TeacherArgs) -> Result<()> {
    let config = a.common.config(TrainConfig {
        dropout: a.dropout,
        jitter: a.jitter,
        ..TrainConfig::teacher(&a.arch, 6)
    })?;
    let (data, device, backend) = a.common.load()?;
    let mut run = Run::new(config.clone(), data.clone(), None, &device)?;
    let spec = run.spec().clone();
    let summary = run_loop::run_to_end(&mut run, backend)?;
    let model = run.model();
    let name = data.name.as_str();
    let stem = match &a.name {
        Some(n) => n.clone(),
        None => format!("{name}-teacher"),
    };
    let device = device.autodiff();
    eprintln!(
        "computing the teacher's logits on {} + {} images…",
        data.train.len(),
        data.test.len()
    );
    let logits = block_on(teacher_logits(model, &spec, &data, &device))?;
    let command: Vec<String> = std::env::args().collect();
    let command = format!("distill-lab {}", command[1..].join(" "));
    let (acc, errors) = logits.test_accuracy(&data.test.labels);
    // What students actually see: the f16 logits file, read back.
    let logits_bytes = save_logits(&logits)?;
    let stored = load_logits("logits", &logits_bytes)?;
    let (acc16, errors16) = stored.test_accuracy(&data.test.labels);
    std::fs::create_dir_all(&a.out).map_err(|e| err!("{}: {e}", a.out.display()))?;
    let write = |file: String, bytes: Vec<u8>| -> Result<()> {
        let path = a.out.join(file);
        std::fs::write(&path, bytes).map_err(|e| err!("{}: {e}", path.display()))
    };
    let stats = block_on(FeatureStats::measure(model, &data.train.images, &device))?;
    let extra = [
        ("dataset", name.to_string()),
        ("test_accuracy", acc.to_string()),
        (
            FEATURE_STATS_KEY,
            serde_json::to_string(&stats).map_err(|e| err!("{e}"))?,
        ),
    ];
    write(
        format!("{stem}.safetensors"),
        block_on(save_weights(model, &spec, &extra))?,
    )?;
    write(format!("{stem}.logits.safetensors"), logits_bytes)?;
    let card = json!({
        "dataset": name,
        "architecture": spec.to_string(),
        "description": spec.describe(data.classes()),
        "parameters": spec.num_params(data.classes()),
        "classes": data.class_names,
        "test_accuracy": acc,
        "test_errors": errors,
        "logits_f16_test_accuracy": acc16,
        "logits_f16_test_errors": errors16,
        "command": command,
        "seed": config.seed,
        "config": config,
        "backend": backend,
        "train_seconds": summary.wall_seconds,
        "last_eval": summary.last,
    });
    write(
        format!("{stem}.json"),
        serde_json::to_vec_pretty(&card).map_err(|e| err!("{e}"))?,
    )?;
    eprintln!("wrote {}/{stem}.{{safetensors,logits.safetensors,json}}: test accuracy {:.2}% ({errors} errors)", a.out.display(), acc * 100.0);
    Ok(())
}

/// `teacher-stats`: measures a teacher's per-channel feature statistics on its training set and
/// rewrites its weight file with them in the metadata (weights and other metadata unchanged).
/// Data-free distillation matches them, as DeepInversion matches batch-norm statistics.
pub fn teacher_stats(a: TeacherStatsArgs) -> Result<()> {
    let (data, device, _) = a.common.load()?;
    let path = a.file.unwrap_or_else(|| {
        std::path::PathBuf::from(format!("www/models/{}-teacher.safetensors", data.name))
    });
    let file = path.display().to_string();
    let bytes = read(&path)?;
    let (spec, net, meta) = load_weights(&file, &bytes, None, &device)?;
    let stats = block_on(FeatureStats::measure(&net, &data.train.images, &device))?;
    let json = serde_json::to_string(&stats).map_err(|e| err!("{e}"))?;
    let mut extra: Vec<(&str, String)> = meta
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "format" | "spec") && *k != FEATURE_STATS_KEY)
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    extra.push((FEATURE_STATS_KEY, json));
    let out = block_on(save_weights(&net, &spec, &extra))?;
    std::fs::write(&path, out).map_err(|e| err!("{file}: {e}"))?;
    let channels: Vec<usize> = stats.layers.iter().map(|l| l.mean.len()).collect();
    eprintln!(
        "{file}: feature statistics of {spec} over {} training images, channels {channels:?}",
        data.train.len()
    );
    Ok(())
}
