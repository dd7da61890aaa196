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
    /// Check one instance (the one the command after `--` starts) against
    /// OpenClaw's start guard, the host and the live ports, then exec the command;
    /// exit 78 when it is refused. With no command, or `--preflight-only`, only
    /// report (exit 1 on findings).
    Preflight(PreflightArgs),
    /// Write a wrapper for `openclaw gateway install --wrapper PATH`: the service
    /// then runs `clawfence preflight` first, which execs the real gateway.
    Wrapper(WrapperArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Print the documentation of a rule.
    Explain {
        /// The rule id, e.g. `cdp-range-overlap` or `isolation/cdp-range-overlap`.
        id: String,
    },
    /// Print a shell completion script, e.g. `clawfence completions bash > /etc/bash_completion.d/clawfence`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `clawfence man | man -l -`.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

/// Which findings make `check` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

impl FailOn {
    pub fn severity(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub host: HostArgs,
    /// Show findings at or above this severity.
    #[arg(long, value_enum, default_value_t = Severity::Warning)]
    pub severity_min: Severity,
    /// Exit 1 when a shown finding is at or above this severity.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Run only these rules (repeatable, or a comma list).
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Do not run these rules (repeatable, or a comma list).
    #[arg(long, value_name = "ID", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Settings (`rules`, `exclude`, `ignore`) [default: the manifest's, else
    /// `$XDG_CONFIG_HOME/clawfence/clawfence.json5` or `~/.config/clawfence/clawfence.json5`].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Honour no `clawfence-ignore` comment (the settings' `ignore` still applies).
    #[arg(long)]
    pub no_inline_ignores: bool,
    /// Fail only on findings not recorded in FILE (see `--write-baseline`).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE, print nothing else and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Print how many findings each rule produced instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Before the findings, print every file and variable each instance was
    /// read from, where each value came from, and what was skipped and why.
    #[arg(long)]
    pub show_sources: bool,
    /// Also run `openclaw [--profile P] doctor --lint --json` for each instance
    /// and merge its findings.
    #[arg(long)]
    pub with_doctor: bool,
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
    /// The filesystem root for system-wide launchers (`ROOT/etc/systemd/system`,
    /// `ROOT/Library/LaunchDaemons`, …), like `systemctl --root` [default: /].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// A manifest of committed configs instead of a HOME
    /// [default: `./clawfence.json5` when it exists and no `--home` is given].
    #[arg(long, value_name = "FILE", conflicts_with = "home")]
    pub manifest: Option<PathBuf>,
    /// An instance outside the HOME scan:
    /// `NAME=CONFIG_PATH[,state=DIR][,port=N][,env=FILE][,profile=P]`.
    #[arg(long = "instance", value_name = "SPEC")]
    pub instances: Vec<String>,
    /// A docker compose project whose gateway services are instances too:
    /// `FILE[,file=OVERRIDE…][,env-file=FILE…][,project=NAME]` (repeatable; each is
    /// its own project) [default: `compose.yaml` & co. in the current directory].
    #[arg(long = "compose", value_name = "SPEC")]
    pub compose: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PreflightArgs {
    /// The HOME the gateway runs with [default: $HOME].
    #[arg(long, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// The filesystem root for system-wide launchers, as for `check` [default: /].
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
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
    /// Only report, never launch the command (exit 0 clean, 1 findings).
    #[arg(long)]
    pub preflight_only: bool,
    /// Run only this check: a rule id or a preflight check id (repeatable).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Do not run this check (repeatable).
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// The command to run when nothing blocks it, e.g. `-- openclaw --profile rescue gateway`.
    /// When it runs OpenClaw's gateway, its own argv and environment decide the
    /// instance; a refusal then exits 78.
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
    /// Settings file (`rules`, `exclude`, `ignore`), as for `check`: what
    /// `check` does not report, `fix` does not touch.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Fix what `clawfence-ignore` comments suppress, too.
    #[arg(long)]
    pub no_inline_ignores: bool,
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
    /// One row per instance, sized to the terminal, shared ports marked `!`.
    Table,
    /// Every instance's ports and where its gateway port came from.
    Json,
    /// The port line in text: one line per instance on a shared axis.
    Map,
    /// The port line as an SVG picture.
    Svg,
    /// The SVG in an HTML page, with details on hover.
    Html,
}

#[derive(Debug, Args)]
pub struct WrapperArgs {
    /// The openclaw to launch [default: `openclaw` on PATH]; made absolute.
    #[arg(long, value_name = "PATH")]
    pub openclaw: Option<PathBuf>,
    /// The node that runs it, when it is a `#!/usr/bin/env node` script
    /// [default: `node` on PATH]; made absolute.
    #[arg(long, value_name = "PATH")]
    pub node: Option<PathBuf>,
    /// The clawfence the wrapper runs [default: this one].
    #[arg(long, value_name = "PATH")]
    pub clawfence: Option<PathBuf>,
    /// Write the wrapper here (mode 0755) instead of printing it.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing file at `--output` that clawfence did not write.
    #[arg(long)]
    pub force: bool,
    /// The profile of the service, for the install command printed.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Options the wrapper passes to `clawfence preflight`, e.g. `-- --skip shared-workspace`.
    #[arg(last = true, value_name = "PREFLIGHT_OPTION")]
    pub preflight_args: Vec<String>,
}
