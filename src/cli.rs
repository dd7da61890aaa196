//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clawfence::finding::Severity;
use std::path::PathBuf;

/// A static isolation linter and preflight checker for hosts that run several
/// OpenClaw gateways.
#[derive(Debug, Parser)]
#[command(name = "clawfence", version, about, max_term_width = 100)]
pub struct Cli {
    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find every isolation problem among the instances of a host.
    Check(CheckArgs),
    /// Print the port map of every instance on the host.
    Ports(PortsArgs),
    /// Apply every help line that a file edit can apply: the host's plan.
    Fix(FixArgs),
    /// Check one instance against the host and the live ports, then launch the
    /// command after `--` (or, with none, only report: `--preflight-only`).
    Preflight(PreflightArgs),
    /// List the rules.
    Rules,
    /// Print the documentation of a rule.
    Explain {
        /// The rule id, e.g. `cdp-range-overlap`.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub host: HostArgs,
    /// Report findings at or above this severity; exit 1 when there are any.
    #[arg(long, value_enum, default_value_t = Severity::Warning)]
    pub severity_min: Severity,
    /// Run only this rule (repeatable).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// Output format (repeatable; each may be followed by its own `--output`)
    /// [default: human].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Vec<Format>,
    /// Write the `--format` just before it to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Code frames with labels in every file involved.
    Human,
    /// The `openclaw doctor --lint --json` document.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub Actions annotations.
    Github,
    /// JUnit XML, one test case per rule.
    Junit,
}

/// Which host and which instances to look at.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// The HOME the gateways run with [default: $HOME].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// A manifest of committed configs instead of a HOME
    /// [default: `./clawfence.json5` when it exists and no `--home` is given].
    #[arg(long, value_name = "FILE", conflicts_with = "home")]
    pub manifest: Option<PathBuf>,
    /// An instance outside the HOME scan:
    /// `NAME=CONFIG_PATH[,state=DIR][,port=N][,env=FILE][,profile=P]`.
    #[arg(long = "instance", value_name = "SPEC")]
    pub instances: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The HOME the gateway runs with [default: $HOME].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// The profile, as for `openclaw --profile NAME gateway`.
    #[arg(long, value_name = "NAME", conflicts_with = "dev")]
    pub profile: Option<String>,
    /// The dev profile, as for `openclaw --dev gateway`.
    #[arg(long)]
    pub dev: bool,
    /// The port, as for `openclaw gateway --port N`.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// The bind mode, as for `openclaw gateway --bind MODE` [default: the config's].
    #[arg(long, value_enum, value_name = "MODE")]
    pub bind: Option<clawfence::preflight::BindMode>,
    /// Block the launch on findings at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::Error)]
    pub severity_min: Severity,
    /// Skip the live checks (bind probes, the state lock).
    #[arg(long)]
    pub no_probe: bool,
    /// The command to run when nothing blocks it, e.g. `-- openclaw --profile rescue gateway`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub host: HostArgs,
    /// Print a unified diff of the edits and write nothing.
    #[arg(long, alias = "diff")]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct PortsArgs {
    #[command(flatten)]
    pub host: HostArgs,
    /// Also probe each port and say who holds it.
    #[arg(long)]
    pub live: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PortsFormat::Table)]
    pub format: PortsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PortsFormat {
    Table,
    Json,
}
