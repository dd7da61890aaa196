//! The `clawfence` binary: parse arguments, run, print, pick the exit code.
//! The only place that prints.

mod cli;

use anyhow::{Context as _, Result};
use clap::{CommandFactory, FromArgMatches};
use clawfence::rules::{self, RULES, Selection};
use clawfence::{HostRequest, build_host, discover, report};
use cli::{CheckArgs, Cli, ColorChoice, Command, Format, HostArgs, PortsFormat, PreflightArgs};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let check_matches = matches.subcommand_matches("check").cloned();
    match run(cli, check_matches) {
        Ok(code) => code,
        Err(e) => {
            let message = format!("{e:#}");
            let _ = writeln!(
                anstream::stderr(),
                "error: {}",
                clawfence::report::escape_controls(&message)
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli, check_matches: Option<clap::ArgMatches>) -> Result<ExitCode> {
    let color = use_color(cli.color);
    match cli.command {
        Command::Preflight(args) => preflight(args, color),
        Command::Check(args) => {
            let outputs = outputs(&args, check_matches.as_ref())?;
            check(&args, &outputs, color)
        }
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
                let line = report::one_line(&host, f);
                writeln!(err, "warning: {}", report::escape_controls(&line))?;
            }
            let text = match (args.format, args.live) {
                (PortsFormat::Json, _) => report::ports::to_json(&host),
                (PortsFormat::Table, false) => report::ports::to_table(&host),
                (PortsFormat::Table, true) => report::ports::to_live_table(&host, &|p| {
                    clawfence::preflight::live_state(&host, p)
                }),
            };
            anstream::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `clawfence preflight`: report, then exec the command when nothing blocks it.
fn preflight(args: PreflightArgs, color: bool) -> Result<ExitCode> {
    use clawfence::load::env::Env;
    use clawfence::model::Origin;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let profile = match (&args.profile, args.dev) {
        (_, true) => Some("dev".to_string()),
        (Some(p), _) if p.trim().eq_ignore_ascii_case("default") => None,
        (Some(p), _) if clawfence::ports::is_valid_profile_name(p.trim()) => {
            Some(p.trim().to_string())
        }
        // why: `src/cli/profile.ts` refuses the same names, with exit code 2.
        (Some(p), _) => {
            anyhow::bail!("invalid --profile `{p}` (use letters, numbers, `_`, `-` only)")
        }
        (None, false) => None,
    };
    // The gateway starts with this very environment; `--home` stands for HOME.
    let mut env = Env::new();
    for (k, v) in std::env::vars_os() {
        if let (Ok(k), Ok(v)) = (k.into_string(), v.into_string()) {
            env.set(&k, v, Origin::ProcessEnv(k.clone()));
        }
    }
    let home = match &args.home {
        Some(h) => {
            let h = clawfence::load::resolve_lexical(&cwd, h);
            env.set(
                "HOME",
                h.display().to_string(),
                Origin::Flag("--home".into()),
            );
            h
        }
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set; pass --home DIR")?,
    };
    let request = clawfence::preflight::Request {
        host: HostRequest::home(home, cwd),
        profile,
        port: args.port.map(i64::from),
        bind: args.bind,
        env,
        probe: !args.no_probe,
    };
    let outcome = clawfence::preflight::run(request, args.severity_min)?;
    let blocking: Vec<_> = outcome
        .findings
        .into_iter()
        .filter(|f| f.severity >= args.severity_min)
        .collect();
    let mut text = report::human::render_findings(&outcome.host, &blocking, color);
    text.push_str(&match blocking.len() {
        0 => format!("preflight of `{}` passed\n", outcome.target),
        n => format!(
            "preflight of `{}` failed: {n} problem{}\n",
            outcome.target,
            if n == 1 { "" } else { "s" }
        ),
    });
    let Some((program, rest)) = args.command.split_first() else {
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(if blocking.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    };
    if !blocking.is_empty() {
        // The gateway's own output goes to stdout; the reason it did not start, here.
        anstream::stderr().write_all(text.as_bytes())?;
        return Ok(ExitCode::from(1));
    }
    let error = exec(program, rest);
    writeln!(
        anstream::stderr(),
        "error: cannot execute `{}`: {error}",
        program.to_string_lossy()
    )?;
    Ok(ExitCode::from(127))
}

/// Replaces this process with `program` (same pid, environment and arguments,
/// no shell); returns only if that fails.
#[cfg(unix)]
fn exec(program: &std::ffi::OsStr, args: &[std::ffi::OsString]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    std::process::Command::new(program).args(args).exec()
}

/// Without `exec`, run the command and pass its exit code through.
#[cfg(not(unix))]
fn exec(program: &std::ffi::OsStr, args: &[std::ffi::OsString]) -> std::io::Error {
    match std::process::Command::new(program).args(args).status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
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

/// Pairs every `--output` with the `--format` given just before it; formats
/// without one go to stdout. Under GitHub Actions with no `--format`, human
/// output and annotations both go to stdout.
fn outputs(
    args: &CheckArgs,
    m: Option<&clap::ArgMatches>,
) -> Result<Vec<(Format, Option<PathBuf>)>> {
    let index = |id: &str| -> Vec<usize> {
        m.and_then(|m| m.indices_of(id))
            .map(|i| i.collect())
            .unwrap_or_default()
    };
    if args.format.is_empty() {
        let mut out = vec![(Format::Human, args.output.first().cloned())];
        if args.output.len() > 1 {
            anyhow::bail!(
                "`--output` is given {} times for one format",
                args.output.len()
            );
        }
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            out.push((Format::Github, None));
        }
        return Ok(out);
    }
    let formats = index("format");
    let mut out: Vec<(Format, Option<PathBuf>)> = args.format.iter().map(|f| (*f, None)).collect();
    for (path, at) in args.output.iter().zip(index("output")) {
        let Some(k) = formats.iter().rposition(|&f| f < at) else {
            anyhow::bail!(
                "`--output {}` must follow the `--format` it is for",
                path.display()
            );
        };
        if out[k].1.is_some() {
            anyhow::bail!("`--format {:?}` has two `--output`s", args.format[k]);
        }
        out[k].1 = Some(path.clone());
    }
    Ok(out)
}

fn check(args: &CheckArgs, outputs: &[(Format, Option<PathBuf>)], color: bool) -> Result<ExitCode> {
    let selection = selection(&args.only, &args.skip)?;
    let host = build_host(&host_request(&args.host)?)?;
    refuse_outputs_onto_inputs(&host, outputs)?;
    let findings: Vec<_> = rules::check(&host, &selection)
        .into_iter()
        .filter(|f| f.severity >= args.severity_min)
        .collect();
    let ran: Vec<&str> = RULES
        .iter()
        .map(|r| r.meta.id)
        .filter(|id| selection.includes(id))
        .collect();
    let run = report::json::Run {
        ok: findings.is_empty(),
        checks_run: ran.len(),
        checks_skipped: RULES.len() - ran.len(),
    };
    for (format, path) in outputs {
        let text = match format {
            Format::Human => report::human::render(&host, &findings, color && path.is_none()),
            Format::Json => report::json::render(&host, &findings, &run),
            Format::Jsonl => report::json::render_lines(&host, &findings),
            Format::Sarif => report::sarif::render(&host, &findings),
            Format::Github => report::github::render(&host, &findings),
            Format::Junit => report::junit::render(&host, &findings, &ran),
        };
        match path {
            Some(p) => std::fs::write(p, text)
                .with_context(|| format!("cannot write `{}`", p.display()))?,
            None => std::io::stdout().write_all(text.as_bytes())?,
        }
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--output` onto a file the check reads (a config, an include, a `.env`, the
/// manifest) would silently replace it: refused, before anything is written.
fn refuse_outputs_onto_inputs(
    host: &clawfence::model::Host,
    outputs: &[(Format, Option<PathBuf>)],
) -> Result<()> {
    let real = |p: &std::path::Path| -> PathBuf {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
            match (
                parent.and_then(|d| std::fs::canonicalize(d).ok()),
                p.file_name(),
            ) {
                (Some(d), Some(name)) => d.join(name),
                _ => p.to_path_buf(),
            }
        })
    };
    let inputs: Vec<(PathBuf, String)> = host
        .sources
        .files()
        .map(|f| (real(&f.path), f.display.clone()))
        .chain(host.instances.iter().map(|i| {
            let p = &i.config_path.value;
            (real(p), p.display().to_string())
        }))
        .collect();
    for path in outputs.iter().filter_map(|(_, p)| p.as_ref()) {
        let out = real(path);
        if let Some((_, shown)) = inputs.iter().find(|(p, _)| *p == out) {
            anyhow::bail!(
                "refusing to write `{}`: it is an input of this check (`{shown}`); choose another `--output`",
                clawfence::report::escape_controls(&path.display().to_string())
            );
        }
    }
    Ok(())
}

fn host_request(args: &HostArgs) -> Result<HostRequest> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let manifest = args.manifest.clone().or_else(|| {
        let found = cwd.join(clawfence::manifest::FILE_NAME);
        (args.home.is_none() && found.is_file()).then_some(found)
    });
    let home = match (&args.home, &manifest) {
        (Some(h), _) => clawfence::load::resolve_lexical(&cwd, h),
        (None, Some(m)) => m.parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone()),
        (None, None) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set; pass --home DIR")?,
    };
    let mut req = HostRequest::home(home, cwd.clone());
    req.manifest = manifest;
    for arg in &args.instances {
        req.explicit
            .push(discover::parse_instance_arg(arg, &cwd).map_err(anyhow::Error::msg)?);
    }
    Ok(req)
}
