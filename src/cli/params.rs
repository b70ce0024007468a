//! The methods' parameters as CLI flags, generated from the registry: one `--<flag>` per
//! parameter with its help, range, default and the methods that use it.

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use distill_lab::method::{all_params, Params, REGISTRY};
use distill_lab::Result;

/// The values of the methods' flags given on the command line (the others keep their defaults).
#[derive(Clone, Debug, Default)]
pub struct MethodParams {
    given: Vec<(&'static str, String)>,
}

impl MethodParams {
    /// The config's parameters with the given flags applied, each checked against its range.
    pub fn apply(&self, mut params: Params) -> Result<Params> {
        let all = all_params();
        for (key, text) in &self.given {
            let p = all
                .iter()
                .find(|p| p.key == *key)
                .expect("a registered key");
            params.set(key, p.parse(text)?)?;
        }
        Ok(params)
    }
}

/// The `--help` line of a parameter: its help, the methods that use it, its range and default.
pub fn help_line(p: &distill_lab::method::Param) -> String {
    let users: Vec<&str> = REGISTRY
        .iter()
        .filter(|m| m.info().params.iter().any(|q| q.key == p.key))
        .map(|m| m.info().key)
        .collect();
    format!(
        "{} [methods: {}; {}; default: {}]",
        p.help,
        users.join(", "),
        p.range(),
        match p.default_value() {
            serde_json::Value::Null => "off".to_string(),
            serde_json::Value::String(s) if s.is_empty() => "automatic".to_string(),
            v => v.to_string(),
        }
    )
}

impl Args for MethodParams {
    fn augment_args(cmd: Command) -> Command {
        all_params().into_iter().fold(cmd, |cmd, p| {
            // clap keeps the names for the program's lifetime; the registry is static.
            let flag: &'static str = Box::leak(p.flag().into_boxed_str());
            cmd.arg(
                Arg::new(p.key)
                    .long(flag)
                    .value_name("VALUE")
                    .allow_hyphen_values(true)
                    .help(help_line(p)),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for MethodParams {
    fn from_arg_matches(m: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        let given = all_params()
            .into_iter()
            .filter_map(|p| {
                let v = m.get_one::<String>(p.key)?;
                Some((p.key, v.clone()))
            })
            .collect();
        Ok(Self { given })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> std::result::Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

/// The `--method` help: every registered method's key and name.
pub fn method_help() -> String {
    let list: Vec<String> = REGISTRY
        .iter()
        .map(|m| format!("{} ({})", m.info().key, m.info().name))
        .collect();
    format!("Distillation method: {}", list.join(", "))
}
