//! A method's hyperparameters: declared once in its file ([`Param`]), stored in a config by key
//! ([`Params`], flattened into the config's JSON as before: `"dkdBeta": 8.0`), validated, and
//! described for the CLI and the page.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::all_params;
use crate::train::parse_layer_map;
use crate::{err, Result};

/// One hyperparameter of a method.
#[derive(Debug)]
pub struct Param {
    /// The key in configs and JSON, camelCase (`dkdBeta`); the CLI flag is its kebab-case
    /// (`--dkd-beta`).
    pub key: &'static str,
    /// Its key in the page's links (`dkdb`).
    pub link: &'static str,
    pub kind: ParamKind,
    /// One line of help.
    pub help: &'static str,
}

/// A parameter's type, range and default.
#[derive(Debug, Clone, Copy)]
pub enum ParamKind {
    /// A number in `[min, max]`; `step` is the page field's step.
    Float {
        min: f64,
        max: f64,
        default: f64,
        step: f64,
    },
    /// An integer in `min..=max`.
    Int { min: i64, max: i64, default: i64 },
    /// Off unless set: a number in `(0, max)`; `null` or 0 = off.
    Optional { max: f64, step: f64 },
    /// Teacher→student layer pairs, `"t:s,t:s"` (1-based feature layers); `""` = automatic.
    LayerMap,
}

impl Param {
    /// A number in `[min, max]` (`[min, max, step]`: `step` is the page field's), `default`.
    pub const fn float(key: &'static str, link: &'static str, r: [f64; 3], default: f64) -> Param {
        let [min, max, step] = r;
        let kind = ParamKind::Float {
            min,
            max,
            default,
            step,
        };
        Param::of(key, link, kind)
    }

    /// An integer in `min..=max` (`[min, max]`), `default`.
    pub const fn int(key: &'static str, link: &'static str, r: [i64; 2], default: i64) -> Param {
        let kind = ParamKind::Int {
            min: r[0],
            max: r[1],
            default,
        };
        Param::of(key, link, kind)
    }

    /// Off unless set to a number in `(0, max)`.
    pub const fn optional(key: &'static str, link: &'static str, max: f64, step: f64) -> Param {
        Param::of(key, link, ParamKind::Optional { max, step })
    }

    /// Teacher→student layer pairs.
    pub const fn layer_map(key: &'static str, link: &'static str) -> Param {
        Param::of(key, link, ParamKind::LayerMap)
    }

    const fn of(key: &'static str, link: &'static str, kind: ParamKind) -> Param {
        Param {
            key,
            link,
            kind,
            help: "",
        }
    }

    /// With this line of help.
    pub const fn help(self, help: &'static str) -> Param {
        Param { help, ..self }
    }

    /// Its CLI flag without the dashes: the key in kebab-case.
    pub fn flag(&self) -> String {
        let mut out = String::new();
        for c in self.key.chars() {
            if c.is_ascii_uppercase() {
                out.push('-');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Its name in messages: the key in words (`dkd beta`).
    pub fn words(&self) -> String {
        self.flag().replace('-', " ")
    }

    /// Its default value.
    pub fn default_value(&self) -> Value {
        match self.kind {
            ParamKind::Float { default, .. } => json!(default),
            ParamKind::Int { default, .. } => json!(default),
            ParamKind::Optional { .. } => Value::Null,
            ParamKind::LayerMap => json!(""),
        }
    }

    /// Its range in words, as messages and `--help` give it.
    pub fn range(&self) -> String {
        match self.kind {
            ParamKind::Float { min, max, .. } => format!("a number in [{min}, {max}]"),
            ParamKind::Int { min, max, .. } => format!("an integer in {min}..={max}"),
            ParamKind::Optional { max, .. } => format!("a number in (0, {max}), or 0 = off"),
            ParamKind::LayerMap => "teacher:student pairs such as 2:1,3:2, or empty".into(),
        }
    }

    /// Parses a value given as text (a CLI flag).
    pub fn parse(&self, text: &str) -> Result<Value> {
        let bad = || err!("--{} {text}: expected {}", self.flag(), self.range());
        let value = match self.kind {
            ParamKind::Float { .. } | ParamKind::Optional { .. } => {
                json!(text.trim().parse::<f64>().map_err(|_| bad())?)
            }
            ParamKind::Int { .. } => json!(text.trim().parse::<i64>().map_err(|_| bad())?),
            ParamKind::LayerMap => json!(text),
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Checks a value, naming the parameter and its range.
    pub fn check(&self, value: &Value) -> Result<()> {
        let out_of_range = || {
            err!(
                "{} = {value} is out of range: expected {}",
                self.words(),
                self.range()
            )
        };
        let ok = match self.kind {
            ParamKind::Float { min, max, .. } => {
                value.as_f64().is_some_and(|v| (min..=max).contains(&v))
            }
            ParamKind::Int { min, max, .. } => {
                as_int(value).is_some_and(|v| (min..=max).contains(&v))
            }
            ParamKind::Optional { max, .. } => {
                value.is_null()
                    || value
                        .as_f64()
                        .is_some_and(|v| v == 0.0 || (v > 0.0 && v < max))
            }
            ParamKind::LayerMap => {
                let text = value.as_str().ok_or_else(out_of_range)?;
                parse_layer_map(text)?;
                true
            }
        };
        if ok {
            Ok(())
        } else {
            Err(out_of_range())
        }
    }

    /// The parameter as data, for the catalogue.
    pub fn describe(&self) -> Value {
        let mut d = json!({
            "key": self.key, "link": self.link, "flag": self.flag(), "help": self.help,
            "default": self.default_value(),
        });
        let extra = match self.kind {
            ParamKind::Float { min, max, step, .. } => {
                json!({"kind": "float", "min": min, "max": max, "step": step})
            }
            ParamKind::Int { min, max, .. } => {
                json!({"kind": "int", "min": min, "max": max, "step": 1})
            }
            ParamKind::Optional { max, step } => {
                json!({"kind": "optional", "min": 0.0, "max": max, "step": step})
            }
            ParamKind::LayerMap => json!({"kind": "layermap"}),
        };
        if let (Value::Object(d), Value::Object(e)) = (&mut d, extra) {
            d.extend(e);
        }
        d
    }
}

/// An integer, also when it came as a whole float (JavaScript numbers).
fn as_int(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|v| v.fract() == 0.0)
            .map(|v| v as i64)
    })
}

/// The declaration of the parameter `key` (a programming error if no method declares it).
fn declared(key: &str) -> &'static Param {
    all_params()
        .into_iter()
        .find(|p| p.key == key)
        .unwrap_or_else(|| panic!("no method declares the parameter {key}"))
}

/// The methods' parameter values of a config, by key. A key that is absent has its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(BTreeMap<String, Value>);

impl Default for Params {
    /// Every registered parameter at its default.
    fn default() -> Self {
        Params(
            all_params()
                .into_iter()
                .map(|p| (p.key.to_string(), p.default_value()))
                .collect(),
        )
    }
}

impl Params {
    fn value(&self, key: &str) -> Value {
        self.0
            .get(key)
            .cloned()
            .unwrap_or_else(|| declared(key).default_value())
    }

    /// A number (a float or an integer parameter).
    pub fn num(&self, key: &str) -> f64 {
        let value = self.value(key);
        value.as_f64().unwrap_or_else(|| {
            declared(key)
                .default_value()
                .as_f64()
                .expect("a numeric parameter")
        })
    }

    /// A number, as f32.
    pub fn f32(&self, key: &str) -> f32 {
        self.num(key) as f32
    }

    /// An optional number: `None` when off (absent, null or 0).
    pub fn optional(&self, key: &str) -> Option<f32> {
        self.value(key)
            .as_f64()
            .filter(|v| *v != 0.0)
            .map(|v| v as f32)
    }

    /// A text parameter.
    pub fn text(&self, key: &str) -> String {
        self.value(key).as_str().unwrap_or_default().to_string()
    }

    /// Sets `key` (which a registered method must declare) after checking the value.
    pub fn set(&mut self, key: &str, value: Value) -> Result<()> {
        let p = all_params()
            .into_iter()
            .find(|p| p.key == key)
            .ok_or_else(|| err!("unknown setting '{key}'"))?;
        p.check(&value)?;
        self.0.insert(key.to_string(), value);
        Ok(())
    }

    /// `self` with `key` set to `value` (for code that builds configs; panics on a bad value).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        if let Err(e) = self.set(key, value.into()) {
            panic!("{e}");
        }
        self
    }

    /// Checks every value, naming the first unknown key or the first value out of range.
    pub fn validate(&self) -> Result<()> {
        let all = all_params();
        for (key, value) in &self.0 {
            let p = all
                .iter()
                .find(|p| p.key == key)
                .ok_or_else(|| err!("unknown setting '{key}'"))?;
            p.check(value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_and_named() {
        let p = Params::default();
        assert_eq!(p.f32("dkdBeta"), 8.0);
        assert_eq!(p.optional("targetEntropy"), None);
        let e = p.clone().set("dkdBeta", json!(101.0)).unwrap_err();
        assert!(e.message().contains("dkd beta"), "{e}");
        let e = p.clone().set("bits", json!(9)).unwrap_err();
        assert!(e.message().contains("bits"), "{e}");
        assert!(p.clone().set("bits", json!(2.5)).is_err());
        assert!(p.clone().set("nope", json!(1)).is_err());
        assert!(p.clone().set("layerMap", json!("2:x")).is_err());
        let mut q = p.clone();
        q.set("targetEntropy", json!(1.5)).unwrap();
        assert_eq!(q.optional("targetEntropy"), Some(1.5));
        let zero = p.with("targetEntropy", 0.0);
        assert_eq!(zero.optional("targetEntropy"), None);
    }

    #[test]
    fn flags_are_kebab_case() {
        let p = declared("dkdBeta");
        assert_eq!(p.flag(), "dkd-beta");
        assert_eq!(p.parse("0.5").unwrap(), json!(0.5));
        assert!(p.parse("x").unwrap_err().message().contains("--dkd-beta"));
    }
}
