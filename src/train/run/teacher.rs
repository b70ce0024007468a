//! The run's teacher network: set or loaded from its weight file, with what the feature-based,
//! progressive and data-free methods derive from it.

use burn::module::Module;

use super::Run;
use crate::method::Attach;
use crate::model::{load_host_weights, ModelSpec, Net};
use crate::rng::Fingerprint;
use crate::train::data_free::{generated_grid, FeatureStats};
use crate::{err, Result};

impl Run {
    /// Gives the run the teacher network (on [`Run::device`]) that the feature-based methods
    /// need; adds FitNets' regressor. Only before the first step. Its parameters, on the device
    /// only, are not fingerprinted: a checkpoint checks only its architecture (one loaded by
    /// [`Run::load_teacher_net`] checks its parameters too).
    pub fn set_teacher_net(&mut self, spec: ModelSpec, net: Net) -> Result<()> {
        self.attach_teacher_net(spec, net, None)
    }

    /// [`Run::set_teacher_net`], with the fingerprint of the network's parameters when they
    /// were on the host (a checkpoint holds it; a network only on the device has none).
    fn attach_teacher_net(
        &mut self,
        spec: ModelSpec,
        net: Net,
        params: Option<Fingerprint>,
    ) -> Result<()> {
        if self.step > 0 {
            return Err(err!(
                "the teacher network must be set before training starts"
            ));
        }
        if net.classes() != self.data.classes() {
            return Err(err!(
                "the teacher network has {} classes but the {} dataset has {}",
                net.classes(),
                self.data.name,
                self.data.classes()
            ));
        }
        let method = self.config.method;
        method.check_specs(&self.spec, &spec)?;
        let (student, pairs) = method.get().attach(Attach {
            config: &self.config,
            student: self.model.clone(),
            specs: (&self.spec, &spec),
            device: &self.device,
        })?;
        (self.model, self.layer_map) = (student, pairs);
        self.teacher_net = Some((spec, net.no_grad()));
        self.teacher_net_params = params;
        Ok(())
    }

    /// The teacher network's architecture, once it is set.
    pub fn teacher_spec(&self) -> Option<&ModelSpec> {
        self.teacher_net.as_ref().map(|(spec, _)| spec)
    }

    /// Progressive distillation's layer pairs `(teacher, student)`, once the teacher network is
    /// set (empty before, and for the other methods).
    pub fn layer_map(&self) -> &[(usize, usize)] {
        &self.layer_map
    }

    /// Loads the teacher network from its weight file (`bytes`, named `file` in errors) with
    /// [`Run::set_teacher_net`]; for data-free distillation also the feature statistics the
    /// file stores, which that method needs.
    pub fn load_teacher_net(&mut self, file: &str, bytes: &[u8]) -> Result<()> {
        let (spec, layers, meta) = load_host_weights(file, bytes, None)?;
        let mut params = Fingerprint::default();
        for (w, b) in &layers {
            params.add_f32s(w);
            params.add_f32s(b);
        }
        let net = Net::from_host(&spec, layers, &self.device).map_err(|e| e.context(file))?;
        if self.config.method.needs().generator {
            let stats = FeatureStats::from_metadata(file, &meta, &spec)?.ok_or_else(|| {
                err!(
                    "{file} stores no feature statistics, which data-free distillation needs \
                     (add them with `distill-lab teacher-stats`)"
                )
            })?;
            self.feature_stats = stats.to_device(&self.device);
        }
        self.attach_teacher_net(spec, net, Some(params))
    }

    /// Images from the data-free generator for a fixed noise ([`generated_grid`]); `None` for
    /// the other methods.
    pub async fn generated_images(&self) -> Result<Option<Vec<f32>>> {
        generated_grid(&self.model, &self.device).await
    }
}
