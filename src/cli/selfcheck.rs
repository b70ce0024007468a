//! `self-check`: the kernels' self-check step on a backend, written as the reference the page
//! compares its WebGPU device with (`www/models/self-check.json`), or compared with a reference.

use std::path::PathBuf;

use clap::Args;
use distill_lab::backend::{block_on, cpu_device, wgpu_device, BackendKind};
use distill_lab::train::{self_check, SelfCheck, SELF_CHECK_TOLERANCE};
use distill_lab::{err, Result};

#[derive(Args)]
pub struct SelfCheckArgs {
    /// Compute backend: cpu (flex, the reference) or wgpu.
    #[arg(long, default_value = "cpu")]
    backend: String,
    /// Write the step's numbers here (JSON).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Compare with this reference and fail beyond the tolerance.
    #[arg(long)]
    against: Option<PathBuf>,
}

pub fn run(a: SelfCheckArgs) -> Result<()> {
    let device = match BackendKind::parse(&a.backend)? {
        BackendKind::Cpu => cpu_device(),
        BackendKind::Wgpu => wgpu_device()?,
    };
    let ours = block_on(self_check(&device))?;
    if let Some(path) = &a.against {
        let bytes = super::read(path)?;
        let reference: SelfCheck = serde_json::from_slice(&bytes)
            .map_err(|e| err!("{}: not a self-check reference: {e}", path.display()))?;
        let worst = ours.difference(&reference)?;
        println!(
            "largest relative difference from {}: {worst:.2e}",
            path.display()
        );
        if worst > SELF_CHECK_TOLERANCE {
            return Err(err!(
                "self-check failed: {worst:.2e} > {SELF_CHECK_TOLERANCE:.0e}"
            ));
        }
    }
    let json = serde_json::to_string_pretty(&ours).map_err(|e| err!("self-check: {e}"))? + "\n";
    match &a.out {
        Some(path) => std::fs::write(path, json).map_err(|e| err!("{}: {e}", path.display()))?,
        None => print!("{json}"),
    }
    Ok(())
}
