//! Architecture descriptions: `mlp:800,800`, `mlp:` (linear), `cnn:32,64,256`.

use std::fmt;

use crate::data::{MAX_CLASSES, PIXELS};
use crate::{err, Result};

/// The widest layer we accept; keeps a typo from allocating gigabytes.
pub const MAX_WIDTH: usize = 8192;

/// The most trainable parameters we accept (64 Mi: 256 MiB of f32 weights, about 1 GiB with the
/// gradient and Adam's two moments). Widths alone allow ~537 M, which aborted on allocation.
pub const MAX_PARAMS: usize = 64 << 20;

/// An architecture: what [`Net::init`](super::Net::init) builds for a number of classes.
///
/// The spec names the hidden layers only; the output layer's width is the dataset's class
/// count, given wherever shapes are needed ([`ModelSpec::layer_shapes`]) and read back from a
/// network's last layer ([`super::Net::classes`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModelSpec {
    /// A multilayer perceptron 784 → hidden… → classes with ReLU.
    Mlp {
        /// Hidden widths, input to output; empty = a linear classifier.
        hidden: Vec<usize>,
    },
    /// Two conv(3×3, same padding) → ReLU → max-pool(2) blocks, then 1 hidden dense layer.
    Cnn {
        /// Channels of the two conv blocks.
        channels: [usize; 2],
        /// Width of the dense hidden layer.
        hidden: usize,
    },
}

impl ModelSpec {
    /// Parses `mlp:W1,W2,…` (or `mlp:` for no hidden layer) or `cnn:C1,C2,H`, refusing one over
    /// [`MAX_PARAMS`] at the largest class count ([`MAX_CLASSES`]), so that a spec that parses
    /// fits every dataset.
    pub fn parse(text: &str) -> Result<Self> {
        let (kind, rest) = text.split_once(':').unwrap_or((text, ""));
        let widths: Vec<usize> = rest
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<usize>()
                    .ok()
                    .filter(|&w| (1..=MAX_WIDTH).contains(&w))
                    .ok_or_else(|| {
                        err!("bad width '{s}' in '{text}': expected an integer in 1..={MAX_WIDTH}")
                    })
            })
            .collect::<Result<_>>()?;
        let spec = match kind.trim() {
            "mlp" if widths.len() <= 8 => Self::Mlp { hidden: widths },
            "mlp" => return Err(err!("'{text}': at most 8 hidden layers")),
            "cnn" if widths.len() == 3 && widths[0] <= 256 && widths[1] <= 256 => Self::Cnn {
                channels: [widths[0], widths[1]],
                hidden: widths[2],
            },
            "cnn" => {
                return Err(err!(
                    "'{text}': a CNN is 'cnn:C1,C2,H' (two conv channel counts ≤ 256 and a dense width)"
                ))
            }
            _ => {
                return Err(err!(
                    "unknown architecture '{text}': expected 'mlp:W1,W2,…' or 'cnn:C1,C2,H'"
                ))
            }
        };
        spec.check_size(MAX_PARAMS, MAX_CLASSES)?;
        Ok(spec)
    }

    /// Refuses an architecture of more than `max` parameters for `classes` classes, with a
    /// message naming both.
    pub fn check_size(&self, max: usize, classes: usize) -> Result<()> {
        match self.num_params(classes) {
            n if n <= max => Ok(()),
            n => Err(err!(
                "'{self}' has {n} parameters, more than the limit of {max}"
            )),
        }
    }

    /// Number of trainable parameters for `classes` classes.
    pub fn num_params(&self, classes: usize) -> usize {
        self.layer_shapes(classes)
            .iter()
            .map(|(w, b)| w.iter().product::<usize>() + b)
            .sum()
    }

    /// `(weight shape, bias length)` of every layer for `classes` classes, in order: conv
    /// weights `[out, in, 3, 3]`, then dense weights `[in, out]` (burn's layout); the last is
    /// `[hidden, classes]`.
    pub fn layer_shapes(&self, classes: usize) -> Vec<(Vec<usize>, usize)> {
        let mut shapes = Vec::new();
        let dense = |widths: &[usize], shapes: &mut Vec<(Vec<usize>, usize)>| {
            for w in widths.windows(2) {
                shapes.push((vec![w[0], w[1]], w[1]));
            }
        };
        match self {
            Self::Mlp { hidden } => {
                let widths: Vec<usize> = std::iter::once(PIXELS)
                    .chain(hidden.iter().copied())
                    .chain(std::iter::once(classes))
                    .collect();
                dense(&widths, &mut shapes);
            }
            Self::Cnn { channels, hidden } => {
                shapes.push((vec![channels[0], 1, 3, 3], channels[0]));
                shapes.push((vec![channels[1], channels[0], 3, 3], channels[1]));
                dense(&[channels[1] * 7 * 7, *hidden, classes], &mut shapes);
            }
        }
        shapes
    }

    /// A one-line description of the layers for `classes` classes, for model cards.
    pub fn describe(&self, classes: usize) -> String {
        match self {
            Self::Mlp { hidden } if hidden.is_empty() => {
                format!("linear classifier {PIXELS} → {classes}")
            }
            Self::Mlp { .. } => format!("multilayer perceptron {self} with ReLU"),
            Self::Cnn { channels, hidden } => format!(
                "conv3x3({}) → ReLU → maxpool2 → conv3x3({}) → ReLU → maxpool2 → dense({hidden}) \
                 → ReLU → dropout → dense({classes})",
                channels[0], channels[1]
            ),
        }
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mlp { hidden } => {
                let w: Vec<String> = hidden.iter().map(ToString::to_string).collect();
                write!(f, "mlp:{}", w.join(","))
            }
            Self::Cnn { channels, hidden } => {
                write!(f, "cnn:{},{},{hidden}", channels[0], channels[1])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_round_trips_and_counts_parameters() {
        let m = ModelSpec::parse("mlp:800,800").unwrap();
        assert_eq!(m.to_string(), "mlp:800,800");
        assert_eq!(
            m.num_params(10),
            784 * 800 + 800 + 800 * 800 + 800 + 800 * 10 + 10
        );
        assert_eq!(ModelSpec::parse("mlp:").unwrap().num_params(10), 7850);
        assert_eq!(ModelSpec::parse("mlp:").unwrap().num_params(2), 1570);
        let c = ModelSpec::parse("cnn:32,64,256").unwrap();
        assert_eq!(c.to_string(), "cnn:32,64,256");
        assert_eq!(
            c.describe(10),
            "conv3x3(32) → ReLU → maxpool2 → conv3x3(64) → ReLU → maxpool2 → dense(256) → ReLU \
             → dropout → dense(10)"
        );
        assert_eq!(
            c.num_params(10),
            32 * 9 + 32 + 64 * 32 * 9 + 64 + 3136 * 256 + 256 + 2570
        );
        for bad in [
            "mlp:0",
            "mlp:abc",
            "rnn:3",
            "cnn:1,2",
            "mlp:99999",
            "cnn:999,2,3",
        ] {
            assert!(ModelSpec::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
