//! A registered method as a config holds it ([`MethodRef`]): found by key, compared, printed and
//! serialised by its key, and checked against the architectures it needs.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{find, last_hidden, Distiller, Entry, Info, Needs, REGISTRY};
use crate::model::ModelSpec;
use crate::{err, Result};

/// A registered method, as a config holds it: compared, printed and serialised by its key.
#[derive(Clone, Copy)]
pub struct MethodRef(pub(super) &'static Entry);

impl MethodRef {
    /// The registered method named `key`.
    pub fn parse(key: &str) -> Result<Self> {
        find(key)
    }

    /// Its key.
    pub fn key(self) -> &'static str {
        self.0.info.key
    }

    /// Its declaration.
    pub fn info(self) -> &'static Info {
        self.0.info
    }

    /// What it needs.
    pub fn needs(self) -> Needs {
        self.0.info.needs
    }

    /// The method itself.
    pub fn get(self) -> &'static dyn Distiller {
        self.0.method
    }

    /// Checks that a student and a teacher have what the method needs, naming what is missing.
    pub fn check_specs(self, student: &ModelSpec, teacher: &ModelSpec) -> Result<()> {
        let n = self.needs();
        let key = self.key();
        if n.hidden && (last_hidden(student).is_none() || last_hidden(teacher).is_none()) {
            return Err(err!(
                "method {key} needs a hidden layer in the student ({student}) and the teacher ({teacher})"
            ));
        }
        let cnn = |s: &ModelSpec| matches!(s, ModelSpec::Cnn { .. });
        if n.cnn && !(cnn(student) && cnn(teacher)) {
            return Err(err!(
                "method {key} needs CNN student and teacher (same two pooled resolutions), got {student} and {teacher}"
            ));
        }
        if n.teacher_channels {
            let channels = |s: &ModelSpec| match s {
                ModelSpec::Cnn { channels, .. } => Some(*channels),
                ModelSpec::Mlp { .. } => None,
            };
            if channels(student).is_none() || channels(student) != channels(teacher) {
                return Err(err!(
                    "method {key} compares the teacher's and the student's conv layers channel by channel: it needs a CNN student with the teacher's conv channels, got {student} for {teacher}"
                ));
            }
        }
        self.0.method.check(student, teacher)
    }

    /// The stage of `step` of `total` (an index into [`Info::stages`]).
    pub fn stage(self, step: usize, total: usize) -> usize {
        // As `step < share · total` in f32, the way the two-stage recipes always split.
        let stages = self.info().stages;
        stages
            .iter()
            .position(|s| (step as f32) < s.until * total as f32)
            .unwrap_or(stages.len().saturating_sub(1))
    }
}

impl Default for MethodRef {
    fn default() -> Self {
        MethodRef(&REGISTRY[0])
    }
}

impl PartialEq for MethodRef {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl std::fmt::Debug for MethodRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl std::fmt::Display for MethodRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for MethodRef {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for MethodRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        find(&key).map_err(|e| serde::de::Error::custom(e.message()))
    }
}
