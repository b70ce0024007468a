//! The distillation methods, one file each, and the one registry every other part reads: the
//! training loop, the CLI's `--method` and its per-method flags, `experiment methods`, and the
//! page's method menu and settings fields (through [`catalogue`], which the wasm exports).
//!
//! A method's file declares everything about it in an [`Info`] (key, name, paper, parameters
//! with their ranges, what it needs, its stages) and implements [`Distiller`]: its loss for one
//! step, given a [`Step`], and, where it has them, the learned parts it adds beside the student.
//! Adding a method is one new file and one line in [`REGISTRY`] (plus its tests and its text in
//! the page's catalogs).

mod method_ref;
mod params;
mod step;

use burn::tensor::Device;
use serde::Serialize;
use serde_json::{json, Value};

use crate::model::ModelSpec;
use crate::train::{Student, TrainConfig};
use crate::{err, Result};

pub use method_ref::MethodRef;
pub use params::{Param, ParamKind, Params};
pub use step::{Step, StepLoss};

/// Declares each method's file (`pub mod <file>;`) and lists its [`Info`] (`<file>::INFO`) and
/// its type in [`REGISTRY`]: one line per method.
macro_rules! registry {
    ($($file:ident :: $method:ident),* $(,)?) => {
        $(pub mod $file;)*
        /// Every method, in the order menus and tables list them.
        pub static REGISTRY: &[Entry] = &[$(Entry { info: &$file::INFO, method: &$file::$method }),*];
    };
}

registry! {
    hinton::Hinton,
    dkd::Dkd,
    multi_average::MultiAverage,
    multi_confidence::MultiConfidence,
    fitnets::Fitnets,
    fitnets_two_stage::FitnetsTwoStage,
    attention::Attention,
    rkd::Rkd,
    cckd::Cckd,
    sp::Sp,
    adversarial::Adversarial,
    data_free::DataFree,
    progressive::Progressive,
    fsp::Fsp,
    qat::Qat,
}

/// What a method needs beyond the stored teacher logits. The run, the CLI and the page check
/// these before training, with a message naming what is missing.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Needs {
    /// The teacher network's intermediate features (not only its logits).
    pub teacher_net: bool,
    /// A hidden dense layer in the student and the teacher (the layer the loss compares).
    pub hidden: bool,
    /// A CNN student and teacher.
    pub cnn: bool,
    /// A CNN student with the teacher's conv channels.
    pub teacher_channels: bool,
    /// How many teachers (their logits): 1, or 2 for the multi-teacher methods.
    pub teachers: usize,
    /// A generator that invents the inputs (no training image is read).
    pub generator: bool,
    /// A discriminator learning alongside the student.
    pub discriminator: bool,
}

impl Needs {
    /// Only the teacher's logits.
    pub const LOGITS: Needs = Needs {
        teacher_net: false,
        hidden: false,
        cnn: false,
        teacher_channels: false,
        teachers: 1,
        generator: false,
        discriminator: false,
    };
    /// The teacher network's features.
    pub const FEATURES: Needs = Needs {
        teacher_net: true,
        ..Needs::LOGITS
    };

    /// Also a hidden dense layer in both networks.
    pub const fn hidden(self) -> Needs {
        Needs {
            hidden: true,
            ..self
        }
    }

    /// Also CNN student and teacher.
    pub const fn cnn(self) -> Needs {
        Needs { cnn: true, ..self }
    }

    /// Also a student with the teacher's conv channels.
    pub const fn teacher_channels(self) -> Needs {
        Needs {
            teacher_channels: true,
            ..self
        }
    }

    /// `n` teachers.
    pub const fn teachers(self, n: usize) -> Needs {
        Needs {
            teachers: n,
            ..self
        }
    }

    /// Also a generator.
    pub const fn generator(self) -> Needs {
        Needs {
            generator: true,
            ..self
        }
    }

    /// Also a discriminator.
    pub const fn discriminator(self) -> Needs {
        Needs {
            discriminator: true,
            ..self
        }
    }
}

/// One stage of a method's run: its name and the share of the steps at which it ends.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stage {
    pub name: &'static str,
    pub until: f32,
}

impl Stage {
    /// The stage `name`, ending at the share `until` of the steps.
    pub const fn new(name: &'static str, until: f32) -> Stage {
        Stage { name, until }
    }
}

/// Everything about a method that is not its code.
#[derive(Debug)]
pub struct Info {
    /// The name in configs, links, `--method` and `--only`.
    pub key: &'static str,
    /// Its name in tables and `--help` (the page names it from its text catalogs).
    pub name: &'static str,
    /// The paper it comes from.
    pub paper: &'static str,
    /// Its hyperparameters.
    pub params: &'static [Param],
    pub needs: Needs,
    /// Its stages, in order (one stage `"kd"` for most).
    pub stages: &'static [Stage],
}

impl Info {
    /// A method named `key` and `name`, from `paper`: no parameters, only the teacher's logits, one
    /// stage; the builders below add the rest.
    pub const fn new(key: &'static str, name: &'static str, paper: &'static str) -> Info {
        Info {
            key,
            name,
            paper,
            params: &[],
            needs: Needs::LOGITS,
            stages: ONE_STAGE,
        }
    }

    /// With these parameters.
    pub const fn params(self, params: &'static [Param]) -> Info {
        Info { params, ..self }
    }

    /// With these needs.
    pub const fn needs(self, needs: Needs) -> Info {
        Info { needs, ..self }
    }

    /// With these stages.
    pub const fn stages(self, stages: &'static [Stage]) -> Info {
        Info { stages, ..self }
    }
}

/// The one stage of most methods.
pub const ONE_STAGE: &[Stage] = &[Stage::new("kd", 1.0)];

/// A method in the registry: its declaration and its code.
pub struct Entry {
    pub info: &'static Info,
    pub method: &'static dyn Distiller,
}

impl Entry {
    /// Its declaration.
    pub fn info(&self) -> &'static Info {
        self.info
    }
}

/// What [`Distiller::attach`] is given: the run's config, the student, the student's and the
/// teacher's architectures, the device.
pub struct Attach<'a> {
    pub config: &'a TrainConfig,
    pub student: Student,
    pub specs: (&'a ModelSpec, &'a ModelSpec),
    pub device: &'a Device,
}

/// The added learned parts of a run once the teacher network is known: the student with them,
/// and the resolved teacher→student layer pairs where the method has any.
pub type Attached = (Student, Vec<(usize, usize)>);

/// A distillation method's code (its declaration is its file's `INFO`).
pub trait Distiller: Sync {
    /// The loss of one step with a teacher.
    fn loss(&self, step: Step) -> StepLoss;

    /// Checks beyond [`Needs`] on the two architectures.
    fn check(&self, _student: &ModelSpec, _teacher: &ModelSpec) -> Result<()> {
        Ok(())
    }

    /// Adds what the method learns beside the student once the teacher network is set (a
    /// regressor, adapters); by default nothing.
    fn attach(&self, a: Attach) -> Result<Attached> {
        Ok((a.student, Vec::new()))
    }

    /// The bits the student's forward pass is fake-quantized to; `None` = full precision.
    fn fake_quant_bits(&self, _config: &TrainConfig) -> Option<u32> {
        None
    }
}

/// The registered method named `key`.
pub fn find(key: &str) -> Result<MethodRef> {
    REGISTRY
        .iter()
        .find(|m| m.info.key == key)
        .map(MethodRef)
        .ok_or_else(|| {
            let keys: Vec<&str> = REGISTRY.iter().map(|m| m.info().key).collect();
            err!(
                "unknown method '{key}': expected one of {}",
                keys.join(", ")
            )
        })
}

/// Every parameter of every method (a parameter two methods share is listed once).
pub fn all_params() -> Vec<&'static Param> {
    let mut out: Vec<&'static Param> = Vec::new();
    for m in REGISTRY {
        for p in m.info().params {
            if !out.iter().any(|q| q.key == p.key) {
                out.push(p);
            }
        }
    }
    out
}

/// The methods as data: key, name, paper, needs, stages, whether the student is fake-quantized,
/// and parameters (with ranges, defaults,
/// CLI flag and link key). The page builds its menu and fields from this; a test compares it with
/// `--help`.
pub fn catalogue() -> Value {
    let methods: Vec<Value> = REGISTRY
        .iter()
        .map(|m| {
            let i = m.info();
            let fake_quant = m
                .method
                .fake_quant_bits(&TrainConfig::default().with_method(i.key))
                .is_some();
            json!({
                "key": i.key, "name": i.name, "paper": i.paper, "needs": i.needs,
                "stages": i.stages, "fakeQuant": fake_quant,
                "params": i.params.iter().map(Param::describe).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "methods": methods })
}

/// Width of the last hidden dense layer of `spec` (the layer FitNets, RKD and the relational
/// methods compare).
pub fn last_hidden(spec: &ModelSpec) -> Option<usize> {
    match spec {
        ModelSpec::Mlp { hidden } => hidden.last().copied(),
        ModelSpec::Cnn { hidden, .. } => Some(*hidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_param_keys_are_unique_and_kebab_or_camel() {
        let keys: Vec<&str> = REGISTRY.iter().map(|m| m.info().key).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[..i].contains(k), "{k} registered twice");
            assert!(k.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert_eq!(find(k).unwrap().key(), *k);
        }
        assert!(find("nope").unwrap_err().message().contains("hinton"));
        // A parameter two methods declare must be the same declaration.
        let all = all_params();
        for m in REGISTRY {
            for p in m.info().params {
                let q = all.iter().find(|q| q.key == p.key).unwrap();
                assert_eq!(format!("{:?}", q.describe()), format!("{:?}", p.describe()));
            }
        }
    }

    #[test]
    fn stages_end_at_one_and_are_found_by_step() {
        for m in REGISTRY {
            let s = m.info().stages;
            assert_eq!(s.last().unwrap().until, 1.0, "{}", m.info().key);
        }
        let fsp = find("fsp").unwrap();
        assert_eq!(fsp.stage(0, 100), 0);
        assert_eq!(fsp.stage(99, 100), 1);
        assert_eq!(find("hinton").unwrap().stage(50, 100), 0);
    }
}
