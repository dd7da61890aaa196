//! The `clawfence` binary: parse arguments, run, print, pick the exit code.
//! The only place that prints.

mod cli;

use anyhow::{Context as _, Result};
use clap::Parser;
use clawfence::{HostRequest, build_host, discover, report};
use cli::{Cli, Command, HostArgs, PortsFormat};
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
    match cli.command {
        Command::Ports(args) => {
            let req = host_request(&args.host)?;
            let host = build_host(&req)?;
            let text = match args.format {
                PortsFormat::Json => report::ports::to_json(&host),
                PortsFormat::Table => report::ports::to_table(&host),
            };
            anstream::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
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
