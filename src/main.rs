//! The `clawfence` binary: parse arguments, run, print, pick the exit code.
//! The only place that prints.

mod cli;

use anyhow::{Context as _, Result};
use clap::{CommandFactory, FromArgMatches};
use clawfence::rules::{self, RULES, Selection};
use clawfence::{HostRequest, build_host, discover, report};
use cli::{
    CheckArgs, Cli, ColorChoice, Command, Format, HostArgs, PortsFormat, PreflightArgs,
    RulesFormat, WrapperArgs,
};
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
        Command::Wrapper(args) => wrapper(args),
        Command::Fix(args) => fix(&args, color),
        Command::Check(args) => {
            let outputs = outputs(&args, check_matches.as_ref())?;
            check(&args, &outputs, color)
        }
        Command::Rules { format } => {
            let text = match format {
                RulesFormat::Json => report::explain::rules_json(),
                RulesFormat::Table => {
                    let mut t = comfy_table::Table::new();
                    t.load_style(comfy_table::presets::NOTHING)
                        .set_header(["rule", "default", "summary"]);
                    for m in rules::all_metas() {
                        t.add_row([m.id, m.default_severity.as_str(), m.summary]);
                    }
                    format!("{}\n", t.trim_fmt())
                }
            };
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { id } => match rules::find_meta(&id) {
            Some(m) => {
                // `color` already says whether to colour; anstream would strip it off a pipe.
                let text = report::explain::render(m.docs, color);
                std::io::stdout().write_all(text.as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
            None => anyhow::bail!("{}", rules::unknown_rule(&id)),
        },
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "clawfence",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ports(args) => {
            if args.live
                && matches!(
                    args.format,
                    PortsFormat::Map | PortsFormat::Svg | PortsFormat::Html
                )
            {
                anyhow::bail!("`--live` prints a table of its own; drop `--format` to use it");
            }
            let req = host_request(&args.host)?;
            let host = build_host(&req)?;
            // The map is still printed; what could not be loaded is said on stderr.
            let findings = rules::check(&host, &Selection::default());
            let mut err = anstream::stderr();
            for f in findings.iter().filter(|f| f.rule.id == "invalid-config") {
                let line = report::one_line(&host, f);
                writeln!(err, "warning: {}", report::escape_controls(&line))?;
            }
            let line = || report::portmap::build(&host, &findings);
            let text = match (args.format, args.live) {
                (PortsFormat::Json, _) => report::ports::to_json(&host),
                (PortsFormat::Table, false) => {
                    report::table::render(&line(), terminal_width(), color)
                }
                (PortsFormat::Table, true) => report::ports::to_live_table(
                    &host,
                    &|p| clawfence::preflight::live_state(&host, p),
                    terminal_width(),
                ),
                (PortsFormat::Map, _) => report::map::render(&line(), terminal_width(), color),
                (PortsFormat::Svg, _) => report::svg::render(&line()),
                (PortsFormat::Html, _) => report::svg::render_html(&line()),
            };
            // Colour is already decided (`--color`, `NO_COLOR`, a terminal).
            std::io::stdout().write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `clawfence fix`: apply the edits of every finding, then check again and list
/// what a person still has to do. Exit 0 when nothing is left, 1 otherwise.
fn fix(args: &cli::FixArgs, color: bool) -> Result<ExitCode> {
    use clawfence::fix;
    let req = host_request(&args.host)?;
    // What `check` would report under the settings, and only that: an excluded
    // instance, a rule turned off or a suppressed finding is left alone.
    let judged = |host: &mut clawfence::model::Host| -> Result<Vec<clawfence::finding::Finding>> {
        let settings = load_settings(host, args.config.as_ref(), &args.host, &req)?;
        settings.exclude_from(host);
        let mut selection = Selection::default();
        Ok(
            judge(host, &settings, &mut selection, !args.no_inline_ignores)
                .findings
                .into_iter()
                .filter(|f| f.severity >= clawfence::finding::Severity::Warning)
                .collect(),
        )
    };
    let mut host = build_host(&req)?;
    let findings = judged(&mut host)?;
    let fixable: Vec<_> = findings.iter().filter(|f| !f.edits.is_empty()).collect();
    let edits: Vec<_> = fixable
        .iter()
        .flat_map(|f| f.edits.iter().cloned())
        .collect();
    let (changes, conflicts) = fix::changes(&host, &edits);
    let mut out = anstream::stdout();
    let mut err = anstream::stderr();
    for c in &conflicts {
        writeln!(
            err,
            "warning: two different edits of `{}` line {}: left out",
            c.display, c.line
        )?;
    }
    if args.dry_run {
        for c in &changes {
            out.write_all(fix::diff(c).as_bytes())?;
        }
        let rest: Vec<_> = findings
            .iter()
            .filter(|f| f.edits.is_empty())
            .cloned()
            .collect();
        if !rest.is_empty() {
            writeln!(out, "\nnot fixable by `clawfence fix`:\n")?;
            out.write_all(report::human::render_findings(&host, &rest, color).as_bytes())?;
        }
        writeln!(
            out,
            "would fix {} finding{} in {} file{}; {} need a person",
            fixable.len(),
            plural_s(fixable.len()),
            changes.len(),
            plural_s(changes.len()),
            rest.len()
        )?;
        return Ok(if findings.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let mut written = std::collections::BTreeSet::new();
    let mut rounds = 0;
    let mut changes = changes;
    let mut fixed = fixable.len();
    let mut refused = false;
    // Like ruff, until nothing fixable is left (a step dropped with a finding a
    // stronger one covers can leave work for a second round); a few rounds at most.
    let (after, rest) = loop {
        for c in &changes {
            match fix::write(c) {
                Ok(()) => {
                    if written.insert(c.display.clone()) {
                        writeln!(out, "fixed `{}`", c.display)?;
                    }
                }
                Err(e) => {
                    refused = true;
                    writeln!(err, "error: {e}")?;
                }
            }
        }
        // What is left, as `check` now sees it.
        let mut after = build_host(&req)?;
        let rest = judged(&mut after)?;
        let more: Vec<_> = rest.iter().flat_map(|f| f.edits.iter().cloned()).collect();
        rounds += 1;
        if more.is_empty() || refused || changes.is_empty() || rounds == 4 {
            break (after, rest);
        }
        fixed += rest.iter().filter(|f| !f.edits.is_empty()).count();
        changes = fix::changes(&after, &more).0;
    };
    if !rest.is_empty() {
        writeln!(out, "\nnot fixed (each help line says what to do):\n")?;
        out.write_all(report::human::render_findings(&after, &rest, color).as_bytes())?;
    }
    writeln!(
        out,
        "fixed {fixed} finding{} in {} file{}; {} remain",
        plural_s(fixed),
        written.len(),
        plural_s(written.len()),
        rest.len()
    )?;
    Ok(if rest.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `s` after a count other than one.
fn plural_s(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
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
    let command: Vec<String> = args
        .command
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let invocation = (!command.is_empty()).then(|| clawfence::load::argv::classify(&command));
    let request = clawfence::preflight::Request {
        host: HostRequest {
            root: Some(match &args.root {
                Some(r) => clawfence::load::resolve_lexical(&cwd, r),
                None => PathBuf::from("/"),
            }),
            ..HostRequest::home(home, cwd)
        },
        profile,
        port: args.port.map(i64::from),
        bind: args.bind,
        env,
        probe: !args.no_probe,
        command: invocation,
        selection: preflight_selection(&args.only, &args.skip)?,
    };
    let outcome = clawfence::preflight::run(request, args.severity_min)?;
    let blocking = outcome.findings;
    let mut text = report::human::render_findings(&outcome.host, &blocking, color);
    let launching = !args.command.is_empty() && !args.preflight_only;
    text.push_str(&match blocking.len() {
        0 => format!("preflight of `{}` passed\n", outcome.target),
        n => format!(
            "preflight of `{}` failed: {n} problem{}{}\n",
            outcome.target,
            plural_s(n),
            if launching {
                "; not starting it (exit 78)"
            } else {
                ""
            }
        ),
    });
    let Some((program, rest)) = args.command.split_first().filter(|_| launching) else {
        std::io::stdout().write_all(text.as_bytes())?;
        return Ok(if blocking.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    };
    if !blocking.is_empty() {
        // The gateway's own output goes to stdout; the reason it did not start, here.
        // why: 78 is EX_CONFIG, OpenClaw's own exit code for a refused start
        // (`src/cli/gateway-cli/run.ts` `EXIT_CONFIG_ERROR`); the units it writes
        // carry `RestartPreventExitStatus=78`, so systemd stops restarting.
        anstream::stderr().write_all(text.as_bytes())?;
        return Ok(ExitCode::from(78));
    }
    let error = exec(program, rest);
    writeln!(
        anstream::stderr(),
        "error: cannot execute `{}`: {error}",
        program.to_string_lossy()
    )?;
    Ok(ExitCode::from(127))
}

/// `--only`/`--skip` of preflight: rule ids and preflight's own check ids.
fn preflight_selection(only: &[String], skip: &[String]) -> Result<Selection> {
    let known = |id: &str| {
        rules::find(id).is_some() || clawfence::preflight::CHECKS.iter().any(|c| c.id == id)
    };
    for id in only.iter().chain(skip) {
        if !known(id) {
            anyhow::bail!(
                "no check `{id}`; `clawfence rules` lists the rules, and preflight also has {}",
                clawfence::preflight::CHECKS
                    .iter()
                    .map(|c| format!("`{}`", c.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(Selection {
        only: only.to_vec(),
        skip: skip.to_vec(),
    })
}

/// `clawfence wrapper`: write (or print) the wrapper and say how to install it.
fn wrapper(args: WrapperArgs) -> Result<ExitCode> {
    let path = std::env::var_os("PATH");
    let openclaw = match &args.openclaw {
        Some(p) => p.clone(),
        None => clawfence::wrapper::which("openclaw", path.as_deref())
            .context("no `openclaw` on PATH; pass `--openclaw /abs/path/to/openclaw`")?,
    };
    let me = match &args.clawfence {
        Some(p) => p.clone(),
        None => std::env::current_exe().context("cannot find this clawfence's own path")?,
    };
    let mut plan = clawfence::wrapper::plan(&me, &openclaw, args.node.as_deref(), path.as_deref())
        .map_err(anyhow::Error::msg)?;
    // They are checked here, not first at the service's next start.
    let mut probe = vec!["clawfence".to_string(), "preflight".to_string()];
    probe.extend(args.preflight_args.iter().cloned());
    let parsed = <Cli as clap::Parser>::try_parse_from(&probe).map_err(|e| {
        anyhow::anyhow!(
            "the options after `--` are not `clawfence preflight`'s: {}",
            e.to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
        )
    })?;
    if let Command::Preflight(p) = parsed.command {
        preflight_selection(&p.only, &p.skip)?;
    }
    if let Some(bad) = args.preflight_args.iter().find(|a| *a == "--") {
        anyhow::bail!("`{bad}` after `--`: the wrapper adds the command itself");
    }
    plan.preflight_args = args.preflight_args.clone();
    let text = clawfence::wrapper::script(&plan);
    let profile = match args.profile.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() && !p.eq_ignore_ascii_case("default") => {
            format!(" --profile {p}")
        }
        _ => String::new(),
    };
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    match &args.output {
        Some(out) => {
            let out = clawfence::load::resolve_lexical(&cwd, out);
            clawfence::wrapper::write(&out, &text, args.force).map_err(anyhow::Error::msg)?;
            writeln!(
                std::io::stdout(),
                "wrote `{}`; put it in front of the gateway service with:\n  openclaw{profile} gateway install --wrapper {} --force",
                out.display(),
                out.display()
            )?;
        }
        None => {
            std::io::stdout().write_all(text.as_bytes())?;
            writeln!(
                anstream::stderr(),
                "save it as an executable file (or pass `--output PATH`), then run:\n  openclaw{profile} gateway install --wrapper PATH --force"
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Replaces this process with `program` (same pid, environment and arguments,
/// no shell); returns only if that fails.
#[cfg(unix)]
fn exec(program: &std::ffi::OsStr, args: &[std::ffi::OsString]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    let (vars, program, args) = split_assignments(program, args);
    std::process::Command::new(program)
        .args(args)
        .envs(vars)
        .exec()
}

/// `A=1 B=2 prog args…`, as a shell runs it: the leading assignments go into the
/// environment (preflight checked the instance with them), the rest is untouched.
fn split_assignments<'a>(
    program: &'a std::ffi::OsStr,
    args: &'a [std::ffi::OsString],
) -> (
    Vec<(String, String)>,
    &'a std::ffi::OsStr,
    &'a [std::ffi::OsString],
) {
    let assignment = |w: &std::ffi::OsStr| {
        let w = w.to_str()?;
        let (k, v) = w.split_once('=')?;
        let mut c = k.chars();
        (matches!(c.next(), Some('A'..='Z' | 'a'..='z' | '_'))
            && c.all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| (k.to_string(), v.to_string()))
    };
    let mut vars = Vec::new();
    let mut words = std::iter::once(program).chain(args.iter().map(|a| a.as_os_str()));
    let mut n = 0;
    for w in words.by_ref() {
        match assignment(w) {
            Some(kv) => vars.push(kv),
            None => break,
        }
        n += 1;
    }
    match n {
        0 => (vars, program, args),
        n if n <= args.len() => (vars, args[n - 1].as_os_str(), &args[n..]),
        _ => (vec![], program, args),
    }
}

/// Without `exec`, run the command and pass its exit code through.
#[cfg(not(unix))]
fn exec(program: &std::ffi::OsStr, args: &[std::ffi::OsString]) -> std::io::Error {
    match std::process::Command::new(program).args(args).status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(e) => e,
    }
}

/// The width `ports` fits its text to: `COLUMNS`, else the terminal's, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0)
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .unwrap_or(100)
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

/// `--only`/`--skip` ids, as written (`isolation/` prefix and all), made bare.
fn selection(only: &[String], skip: &[String]) -> Result<Selection> {
    let bare = |ids: &[String]| -> Result<Vec<String>> {
        ids.iter()
            .map(|id| match rules::find_meta(id) {
                Some(m) => Ok(m.id.to_string()),
                None => anyhow::bail!("{}", rules::unknown_rule(id)),
            })
            .collect()
    };
    let (only, skip) = (bare(only)?, bare(skip)?);
    if let Some(both) = only.iter().find(|o| skip.contains(o)) {
        anyhow::bail!("`{both}` is given to both `--only` and `--skip`");
    }
    Ok(Selection { only, skip })
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
    let mut selection = selection(&args.only, &args.skip)?;
    let req = host_request(&args.host)?;
    let mut host = build_host(&req)?;
    refuse_outputs_onto_inputs(&host, outputs)?;
    let settings = load_settings(&mut host, args.config.as_ref(), &args.host, &req)?;
    host.issues.extend(settings.issues.iter().cloned());
    let excluded = settings.exclude_from(&mut host);
    let judged = judge(&host, &settings, &mut selection, !args.no_inline_ignores);
    let suppressed = judged.suppressed;
    let mut findings = judged.findings;
    findings.retain(|f| f.severity >= args.severity_min);
    if let Some(path) = &args.write_baseline {
        std::fs::write(path, clawfence::baseline::render(&host, &findings))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        writeln!(
            anstream::stderr(),
            "wrote {} to baseline `{}`",
            plural(findings.len(), "finding"),
            path.display()
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut tail = Vec::new();
    if suppressed > 0 {
        tail.push(format!(
            "{} suppressed with a reason",
            plural(suppressed, "finding")
        ));
    }
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline `{}`", path.display()))?;
        let baseline = clawfence::baseline::parse(&text)
            .map_err(|e| anyhow::anyhow!("baseline `{}`: {e}", path.display()))?;
        let outcome = clawfence::baseline::apply(&host, &baseline, findings);
        findings = outcome.new;
        tail.push(format!(
            "{} in baseline `{}` not shown",
            plural(outcome.baselined, "finding"),
            path.display()
        ));
        if !outcome.gone.is_empty() {
            tail.push(format!(
                "{} in the baseline {} gone; shrink it with `--write-baseline {}`",
                plural(outcome.gone.len(), "finding"),
                if outcome.gone.len() == 1 { "is" } else { "are" },
                path.display()
            ));
            for e in &outcome.gone {
                tail.push(format!("  gone: {} [{}]", e.message, e.rule));
            }
        }
    }
    for name in &excluded {
        tail.push(format!("instance `{name}` left out by `exclude`"));
    }
    let mut doctor = Vec::new();
    if args.with_doctor {
        let outcome = clawfence::doctor::run(&host, std::env::var_os("PATH").as_deref());
        for note in &outcome.notes {
            writeln!(anstream::stderr(), "note: {note}")?;
        }
        doctor = outcome.findings;
        doctor.retain(|f| f.severity >= args.severity_min);
    }
    let failing = findings
        .iter()
        .map(|f| f.severity)
        .chain(doctor.iter().map(|f| f.severity))
        .filter(|s| *s >= args.fail_on.severity())
        .count();
    let ran: Vec<&str> = RULES
        .iter()
        .map(|r| r.meta.id)
        .filter(|id| selection.includes(id))
        .collect();
    let run = report::json::Run {
        ok: failing == 0,
        checks_run: ran.len(),
        checks_skipped: RULES.len() - ran.len(),
    };
    for (format, path) in outputs {
        let text = match format {
            Format::Human => {
                let color = color && path.is_none();
                let mut text = String::new();
                if args.show_sources {
                    text.push_str(&report::sources::render(
                        &host,
                        &excluded,
                        settings.shown.as_deref(),
                    ));
                }
                if args.statistics {
                    text.push_str(&report::explain::statistics(&findings));
                } else {
                    text.push_str(&report::human::render(&host, &findings, color));
                    text.push_str(&clawfence::doctor::human(&doctor));
                }
                if host.instances.is_empty() && req.manifest.is_none() && args.host.home.is_none() {
                    text.push_str(&searched_note(&req.cwd));
                }
                for line in &tail {
                    text.push_str(line);
                    text.push('\n');
                }
                text.push_str(&report::explain::see_also(&findings));
                text
            }
            Format::Json if args.with_doctor => clawfence::doctor::merge_json(
                &report::json::render(&host, &findings, &run),
                &doctor,
                failing == 0,
            ),
            Format::Json => report::json::render(&host, &findings, &run),
            Format::Jsonl => {
                report::json::render_lines(&host, &findings) + &clawfence::doctor::lines(&doctor)
            }
            Format::Sarif => report::sarif::render(&host, &findings),
            Format::Github => report::github::render(&host, &findings),
            Format::Junit => {
                // clawfence's checks of its own suppressions are test cases too
                let mut all = ran.clone();
                all.extend(
                    clawfence::suppress::METAS
                        .iter()
                        .map(|m| m.id)
                        .filter(|id| selection.includes(id)),
                );
                report::junit::render(&host, &findings, &all)
            }
        };
        match path {
            Some(p) => std::fs::write(p, text)
                .with_context(|| format!("cannot write `{}`", p.display()))?,
            None => std::io::stdout().write_all(text.as_bytes())?,
        }
    }
    // The process ends here: freeing a host of thousands of instances piece by
    // piece costs a tenth of the run.
    std::mem::forget(findings);
    std::mem::forget(host);
    Ok(if failing == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", plural_s(n))
}

/// The settings to read and whether they sit in a manifest: `--config`, else the
/// manifest's, else (a HOME scan) the user's file when it exists.
fn settings_file(
    config: Option<&PathBuf>,
    host: &HostArgs,
    req: &HostRequest,
) -> Option<(PathBuf, bool)> {
    if let Some(c) = config {
        return Some((clawfence::load::resolve_lexical(&req.cwd, c), false));
    }
    if let Some(m) = &req.manifest {
        return Some((clawfence::load::resolve_lexical(&req.cwd, m), true));
    }
    let user = clawfence::config::user_file(&req.home, host.home.is_none());
    user.is_file().then_some((user, false))
}

/// The settings that apply to this run (`--config`, the manifest's, or the
/// user's), read into the host's sources; none when there is no such file.
fn load_settings(
    host: &mut clawfence::model::Host,
    config: Option<&PathBuf>,
    args: &HostArgs,
    req: &HostRequest,
) -> Result<clawfence::config::Config> {
    Ok(match settings_file(config, args, req) {
        Some((path, in_manifest)) => clawfence::config::load(host, &path, in_manifest)
            .with_context(|| format!("cannot read settings `{}`", path.display()))?,
        None => clawfence::config::Config::default(),
    })
}

/// The findings of `host` as the settings have them: rules turned off are not
/// run (an explicit `--only` wins), suppressions apply (inline ones unless
/// `inline` is false), and levels are the settings'. Excluded instances are
/// already out of `host` ([`clawfence::config::Config::exclude_from`]).
fn judge(
    host: &clawfence::model::Host,
    settings: &clawfence::config::Config,
    selection: &mut Selection,
    inline: bool,
) -> clawfence::suppress::Outcome {
    use clawfence::config::Level;
    for (meta, level) in &settings.rules {
        if *level == Level::Off && !selection.only.iter().any(|o| o == meta.id) {
            selection.skip.push(meta.id.to_string());
        }
    }
    let findings = rules::check(host, selection);
    let mut judged = clawfence::suppress::apply(host, findings, &settings.ignore, inline, &|id| {
        selection.includes(id)
    });
    for f in &mut judged.findings {
        if let Some(Level::Severity(s)) = settings.level(f.rule.id) {
            f.severity = s;
        }
    }
    judged
}

/// The directories searched for a manifest: the cwd and its parents, up to and
/// including the repository root (the first with a `.git`).
fn manifest_dirs(cwd: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in cwd.ancestors() {
        out.push(dir.to_path_buf());
        if dir.join(".git").exists() {
            break;
        }
    }
    out
}

/// What "no instances" adds: where no manifest was found either.
fn searched_note(cwd: &std::path::Path) -> String {
    let dirs = manifest_dirs(cwd);
    let last = dirs
        .last()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let file = clawfence::manifest::FILE_NAME;
    if dirs.len() <= 1 {
        format!("no `{file}` in `{last}` either\n")
    } else {
        format!(
            "no `{file}` in `{}` or its parents up to `{last}` either\n",
            cwd.display()
        )
    }
}

/// `--output` onto a file the check reads (a config, an include, a `.env`, the
/// manifest) would silently replace it: refused, before anything is written.
fn refuse_outputs_onto_inputs(
    host: &clawfence::model::Host,
    outputs: &[(Format, Option<PathBuf>)],
) -> Result<()> {
    let targets: Vec<&std::path::Path> = outputs.iter().filter_map(|(_, p)| p.as_deref()).collect();
    if targets.is_empty() {
        // Only stdout: nothing to compare (and canonicalising every input of a
        // large host costs a tenth of its check).
        return Ok(());
    }
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
    for path in targets {
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
    // Like ruff and biome: the nearest manifest from the cwd up to the repository root.
    let manifest = args.manifest.clone().or_else(|| {
        if args.home.is_some() {
            return None;
        }
        manifest_dirs(&cwd)
            .into_iter()
            .map(|d| d.join(clawfence::manifest::FILE_NAME))
            .find(|f| f.is_file())
    });
    let home = match (&args.home, &manifest) {
        (Some(h), _) => clawfence::load::resolve_lexical(&cwd, h),
        (None, Some(m)) => m.parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone()),
        (None, None) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set; pass --home DIR")?,
    };
    let mut req = HostRequest::home(home, cwd.clone());
    req.root = Some(match &args.root {
        Some(r) => clawfence::load::resolve_lexical(&cwd, r),
        None => PathBuf::from("/"),
    });
    req.manifest = manifest;
    for arg in &args.instances {
        req.explicit
            .push(discover::parse_instance_arg(arg, &cwd).map_err(anyhow::Error::msg)?);
    }
    for arg in &args.compose {
        req.compose
            .push(clawfence::load::compose::parse_arg(arg, &cwd).map_err(anyhow::Error::msg)?);
    }
    // As `docker compose up` run here would: the compose file of the current
    // directory and its override.
    if let Some(found) = clawfence::load::compose::discover(&cwd)
        && !req.compose.iter().any(|c| c.files[0] == found.files[0])
    {
        req.compose.insert(0, found);
    }
    Ok(req)
}
