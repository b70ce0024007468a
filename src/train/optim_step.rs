//! The optimizers' update rules ([`Optimizer`]) with their state in our hands, so that a run can
//! read it back (asynchronously, as the browser's WebGPU build must) and load it again: a
//! checkpoint ([`crate::train::Run::checkpoint`]).
//!
//! burn's `ModuleOptimizer` keeps each parameter's state private and reads it back only
//! synchronously (`to_record`), which panics on wasm's WebGPU. [`Optim`] does the same arithmetic,
//! in the same order, as burn-optim 0.22.1's `Adam`, `Sgd` (momentum, no dampening, no Nesterov)
//! and `Lion` (no weight decay), so runs are unchanged (tests/golden_optim.rs compares the two).
//!
//! The state of a parameter is found by its position in the module's visit order (not by its
//! `ParamId`, which a rebuilt module does not keep) and made on its first gradient, like burn's.

use std::any::Any;

use burn::module::{Module, ModuleMapper, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};

use super::Optimizer;
use crate::kernels::{adam_update, AdamScalars};
use crate::{err, Result};

/// Adam's β₁, β₂ and ε (burn's defaults).
const ADAM: (f32, f32, f32) = (0.9, 0.999, 1e-5);
/// Lion's β₁ and β₂ (burn's defaults).
const LION: (f32, f32) = (0.9, 0.99);

/// A state tensor of one of the ranks the modules use (1, 2, 3 or 4), on the inner (non-autodiff)
/// device of the parameter it belongs to.
#[derive(Clone, Debug)]
pub enum StateTensor {
    R1(Tensor<1>),
    R2(Tensor<2>),
    R3(Tensor<3>),
    R4(Tensor<4>),
}

impl StateTensor {
    /// Wraps a tensor of rank `D` (1 to 4).
    pub fn wrap<const D: usize>(t: Tensor<D>) -> Self {
        let any: Box<dyn Any> = Box::new(t);
        let any = match any.downcast::<Tensor<1>>() {
            Ok(t) => return Self::R1(*t),
            Err(any) => any,
        };
        let any = match any.downcast::<Tensor<2>>() {
            Ok(t) => return Self::R2(*t),
            Err(any) => any,
        };
        let any = match any.downcast::<Tensor<3>>() {
            Ok(t) => return Self::R3(*t),
            Err(any) => any,
        };
        match any.downcast::<Tensor<4>>() {
            Ok(t) => Self::R4(*t),
            Err(_) => panic!("a parameter of rank {D}: the modules use ranks 1 to 4"),
        }
    }

    /// The tensor, of rank `D`; `None` when it has another rank.
    pub fn get<const D: usize>(self) -> Option<Tensor<D>> {
        let any: Box<dyn Any> = match self {
            Self::R1(t) => Box::new(t),
            Self::R2(t) => Box::new(t),
            Self::R3(t) => Box::new(t),
            Self::R4(t) => Box::new(t),
        };
        any.downcast::<Tensor<D>>().ok().map(|t| *t)
    }

    /// Its shape.
    pub fn dims(&self) -> Vec<usize> {
        match self {
            Self::R1(t) => t.dims().to_vec(),
            Self::R2(t) => t.dims().to_vec(),
            Self::R3(t) => t.dims().to_vec(),
            Self::R4(t) => t.dims().to_vec(),
        }
    }

    /// A tensor of `shape` (rank 1 to 4) holding `values` on `device`.
    pub fn from_values(values: Vec<f32>, shape: &[usize], device: &Device) -> Result<Self> {
        if values.len() != shape.iter().product::<usize>() {
            return Err(err!(
                "{} values for a tensor of shape {shape:?}",
                values.len()
            ));
        }
        let data = TensorData::new(values, shape.to_vec());
        Ok(match shape.len() {
            1 => Self::R1(Tensor::from_data(data, device)),
            2 => Self::R2(Tensor::from_data(data, device)),
            3 => Self::R3(Tensor::from_data(data, device)),
            4 => Self::R4(Tensor::from_data(data, device)),
            r => return Err(err!("a tensor of rank {r}: expected 1 to 4")),
        })
    }

    /// Adds it to a read-back transaction.
    pub fn register(self, tx: burn::tensor::Transaction) -> burn::tensor::Transaction {
        match self {
            Self::R1(t) => tx.register(t),
            Self::R2(t) => tx.register(t),
            Self::R3(t) => tx.register(t),
            Self::R4(t) => tx.register(t),
        }
    }
}

/// One parameter's optimizer state: Adam's first and second moments and step count, SGD's
/// velocity or Lion's momentum (each of the parameter's shape).
#[derive(Clone, Debug)]
pub struct ParamState {
    /// Adam's steps of this parameter (its bias correction); 0 for SGD and Lion.
    pub time: usize,
    /// Adam: `[m, v]`; SGD: `[velocity]`; Lion: `[momentum]`.
    pub tensors: Vec<StateTensor>,
}

/// The optimizer of a run with its state (see the module docs).
#[derive(Clone, Debug)]
pub struct Optim {
    kind: Optimizer,
    /// SGD's μ.
    momentum: f64,
    /// Per parameter in visit order, its state once it has had a gradient.
    states: Vec<Option<ParamState>>,
}

impl Optim {
    /// An optimizer without state (`momentum`: SGD's μ).
    pub fn new(kind: Optimizer, momentum: f64) -> Self {
        Self {
            kind,
            momentum,
            states: Vec::new(),
        }
    }

    /// Which optimizer.
    pub fn kind(&self) -> Optimizer {
        self.kind
    }

    /// State tensors per parameter: 2 for Adam, 1 for SGD and Lion.
    pub fn tensors_per_param(&self) -> usize {
        match self.kind {
            Optimizer::Adam => 2,
            Optimizer::Sgd | Optimizer::Lion => 1,
        }
    }

    /// The state of each parameter in visit order (`None`: no gradient yet; the list may be
    /// shorter than the module's parameters).
    pub fn states(&self) -> &[Option<ParamState>] {
        &self.states
    }

    /// Replaces the state (a checkpoint's, checked by the caller against the module).
    pub fn set_states(&mut self, states: Vec<Option<ParamState>>) {
        self.states = states;
    }

    /// One step at rate `lr`: every parameter of `module` with a gradient in `grads` is updated.
    pub fn step<M: Module>(&mut self, lr: f64, module: M, mut grads: GradientsParams) -> M {
        module.map(&mut Stepper {
            optim: self,
            grads: &mut grads,
            lr,
            index: 0,
        })
    }

    /// The update of one parameter (on the inner device): the new value and state.
    fn update<const D: usize>(
        &self,
        lr: f64,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<ParamState>,
    ) -> (Tensor<D>, ParamState) {
        let mut old = state.map(|s| {
            let time = s.time;
            let tensors: Vec<Tensor<D>> = s
                .tensors
                .into_iter()
                .map(|t| t.get::<D>().expect("a state of the parameter's rank"))
                .collect();
            (time, tensors)
        });
        let (delta, time, tensors) = match self.kind {
            Optimizer::Adam => {
                // burn-optim's AdaptiveMomentum::transform, operation for operation.
                let (beta_1, beta_2, epsilon) = ADAM;
                let moments = old.take().map(|(time, mut t)| {
                    let v = t.pop().expect("Adam's second moment");
                    let m = t.pop().expect("Adam's first moment");
                    (time, m, v)
                });
                let time = moments.as_ref().map_or(1, |(t, _, _)| t + 1);
                let bias_correction2_sqrt = (1.0 - beta_2.powi(time as i32)).sqrt();
                let combined = bias_correction2_sqrt / (1.0 - beta_1.powi(time as i32));
                // On a GPU, the same arithmetic as one kernel (crate::kernels::adam_update).
                let scalars = AdamScalars {
                    beta_1,
                    beta_2,
                    combined,
                    epsilon: epsilon * bias_correction2_sqrt,
                    lr: lr as f32,
                };
                let kept = moments.as_ref().map(|(_, m, v)| (m.clone(), v.clone()));
                if let Some((value, m, v)) =
                    adam_update(tensor.clone(), grad.clone(), kept, scalars)
                {
                    let tensors = vec![StateTensor::wrap(m), StateTensor::wrap(v)];
                    return (value, ParamState { time, tensors });
                }
                let (m, v) = match moments {
                    Some((_, m, v)) => (
                        m.mul_scalar(beta_1)
                            .add(grad.clone().mul_scalar(1.0 - beta_1)),
                        v.mul_scalar(beta_2)
                            .add(grad.square().mul_scalar(1.0 - beta_2)),
                    ),
                    None => (
                        grad.clone().mul_scalar(1.0 - beta_1),
                        grad.square().mul_scalar(1.0 - beta_2),
                    ),
                };
                let update = m
                    .clone()
                    .mul_scalar(combined)
                    .div(v.clone().sqrt().add_scalar(epsilon * bias_correction2_sqrt));
                (update.mul_scalar(lr), time, vec![m, v])
            }
            Optimizer::Sgd => {
                // burn-optim's Momentum::transform with dampening 0 (its `grad · 1` left out:
                // multiplying by 1 is exact) and no Nesterov.
                let momentum = self.momentum as f32;
                let velocity = match old.take() {
                    Some((_, mut t)) => {
                        grad.add(t.pop().expect("SGD's velocity").mul_scalar(momentum))
                    }
                    None => grad,
                };
                (velocity.clone().mul_scalar(lr), 0, vec![velocity])
            }
            Optimizer::Lion => {
                let (beta_1, beta_2) = LION;
                let (update, momentum) = match old.take() {
                    Some((_, mut t)) => {
                        let m = t.pop().expect("Lion's momentum");
                        let update = m
                            .clone()
                            .mul_scalar(beta_1)
                            .add(grad.clone().mul_scalar(1.0 - beta_1))
                            .sign();
                        (
                            update,
                            m.mul_scalar(beta_2).add(grad.mul_scalar(1.0 - beta_2)),
                        )
                    }
                    None => (
                        grad.clone().mul_scalar(1.0 - beta_1).sign(),
                        grad.mul_scalar(1.0 - beta_2),
                    ),
                };
                (update.mul_scalar(lr), 0, vec![momentum])
            }
        };
        let state = ParamState {
            time,
            tensors: tensors.into_iter().map(StateTensor::wrap).collect(),
        };
        (tensor - delta, state)
    }
}

/// Walks the module's parameters in visit order, updating those with a gradient.
struct Stepper<'a> {
    optim: &'a mut Optim,
    grads: &'a mut GradientsParams,
    lr: f64,
    /// The position of the next parameter in the visit order.
    index: usize,
}

impl ModuleMapper for Stepper<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let index = self.index;
        self.index += 1;
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        // The autodiff state the parameter carries, put back on the updated value (as
        // burn-optim's ParameterContext does).
        let require_grad = tensor.is_require_grad();
        let checkpointing = tensor.gradient_checkpointing_strategy();
        if self.optim.states.len() <= index {
            self.optim.states.resize(index + 1, None);
        }
        let state = self.optim.states[index].take();
        let (updated, state) = self.optim.update(self.lr, tensor.inner(), grad, state);
        self.optim.states[index] = Some(state);
        let mut updated = Tensor::from_inner(updated);
        if let Some(strategy) = checkpointing {
            updated = updated.with_gradient_checkpointing_strategy(strategy);
        }
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}
