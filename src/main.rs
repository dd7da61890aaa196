//! The `clawfence` binary: parse arguments, run, print, pick the exit code.
//! The only place that prints.

mod cli;

use anyhow::{Context as _, Result};
use clap::Parser;
use clawfence::rules::{self, RULES, Selection};
use clawfence::{HostRequest, build_host, discover, report};
use cli::{CheckArgs, Cli, ColorChoice, Command, HostArgs, PortsFormat};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Check(args) => check(&args, color),
        Command::Rules => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::NOTHING)
                .set_header(["rule", "default", "summary"]);
            for r in RULES {
                t.add_row([r.meta.id, r.meta.default_severity.as_str(), r.meta.summary]);
            }
            writeln!(std::io::stdout(), "{}", t.trim_fmt())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { id } => match rules::find(&id) {
            Some(r) => {
                std::io::stdout().write_all(r.meta.docs.as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
            None => anyhow::bail!("no rule `{id}`; `clawfence rules` lists them"),
        },
        Command::Ports(args) => {
            let req = host_request(&args.host)?;
            let host = build_host(&req)?;
            // The map is still printed; what could not be loaded is said on stderr.
            let problems = rules::check(
                &host,
                &Selection {
                    only: vec!["invalid-config".into()],
                    skip: vec![],
                },
            );
            let mut err = anstream::stderr();
            for f in &problems {
                writeln!(err, "warning: {}", report::one_line(&host, f))?;
            }
            let text = match args.format {
                PortsFormat::Json => report::ports::to_json(&host),
                PortsFormat::Table => report::ports::to_table(&host),
            };
            anstream::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Whether to colour: `--color`, else a terminal without `NO_COLOR`.
fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
        }
    }
}

fn selection(only: &[String], skip: &[String]) -> Result<Selection> {
    for id in only.iter().chain(skip) {
        if rules::find(id).is_none() {
            anyhow::bail!("no rule `{id}`; `clawfence rules` lists them");
        }
    }
    Ok(Selection {
        only: only.to_vec(),
        skip: skip.to_vec(),
    })
}

fn check(args: &CheckArgs, color: bool) -> Result<ExitCode> {
    let selection = selection(&args.only, &args.skip)?;
    let host = build_host(&host_request(&args.host)?)?;
    let findings: Vec<_> = rules::check(&host, &selection)
        .into_iter()
        .filter(|f| f.severity >= args.severity_min)
        .collect();
    let text = report::human::render(&host, &findings, color);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn host_request(args: &HostArgs) -> Result<HostRequest> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let home = match &args.home {
        Some(h) => clawfence::load::resolve_lexical(&cwd, h),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set; pass --home DIR")?,
    };
    let mut req = HostRequest::home(home, cwd.clone());
    for arg in &args.instances {
        req.explicit
            .push(discover::parse_instance_arg(arg, &cwd).map_err(anyhow::Error::msg)?);
    }
    Ok(req)
}
