//! What an image runs when the compose file does not say: the official OpenClaw
//! image's defaults, or the last stage of a `Dockerfile` in the build context.

use std::path::Path;

/// The parts of an image config that decide what a container runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Image {
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// `WORKDIR` (`/` when unset).
    pub workdir: String,
    /// `USER` (empty for root).
    pub user: String,
    pub env: Vec<(String, String)>,
    /// The directory holding OpenClaw's package (`/app` in the official image),
    /// where `node dist/index.js` is OpenClaw.
    pub openclaw_dir: Option<String>,
    /// Whether clawfence knows what the image runs.
    pub known: bool,
}

/// Whether `image` names the official OpenClaw image (`ghcr.io/openclaw/openclaw`,
/// its Docker Hub mirror `openclaw/openclaw`, or `openclaw:local` that
/// `scripts/docker/setup.sh` builds).
///
/// why: `docs/install/docker.md` (image names and the `openclaw:local` build).
pub fn is_official(image: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    // A tag is the part after the last `:` that follows the last `/`.
    let repo = match repo.rfind(':') {
        Some(i) if !repo[i..].contains('/') => &repo[..i],
        _ => repo,
    };
    matches!(
        repo.to_ascii_lowercase().as_str(),
        "openclaw"
            | "openclaw/openclaw"
            | "docker.io/openclaw/openclaw"
            | "ghcr.io/openclaw/openclaw"
    )
}

/// The official image.
///
/// why: OpenClaw's `Dockerfile` (`WORKDIR /app`, `USER node`, `CMD ["node",
/// "openclaw.mjs", "gateway", "--allow-unconfigured"]`) and `docs/install/fly.md`
/// ("The OpenClaw Docker image entrypoint is `tini`, running `node openclaw.mjs
/// gateway` by default").
pub fn official() -> Image {
    Image {
        entrypoint: vec!["tini".into(), "--".into()],
        cmd: ["node", "openclaw.mjs", "gateway", "--allow-unconfigured"]
            .map(String::from)
            .to_vec(),
        workdir: "/app".into(),
        user: "node".into(),
        env: vec![],
        openclaw_dir: Some("/app".into()),
        known: true,
    }
}

/// `node:*`: `docker-entrypoint.sh` runs its arguments, `CMD ["node"]`.
fn node_base() -> Image {
    Image {
        entrypoint: vec!["docker-entrypoint.sh".into()],
        cmd: vec!["node".into()],
        workdir: "/".into(),
        known: true,
        ..Image::default()
    }
}

/// The image a service's `image:` names, when it is one clawfence knows.
pub fn named(image: &str) -> Image {
    if is_official(image) {
        official()
    } else if image.starts_with("node:") || image == "node" {
        node_base()
    } else {
        Image {
            workdir: "/".into(),
            ..Image::default()
        }
    }
}

/// `HOME` of the image's user, as Docker sets it from the user's passwd entry.
pub fn home_of(image: &Image) -> String {
    match image.user.split(':').next().unwrap_or("") {
        "" | "root" | "0" => "/root".into(),
        "node" | "1000" => "/home/node".into(),
        u if u.bytes().all(|b| b.is_ascii_digit()) => "/".into(),
        u => format!("/home/{u}"),
    }
}

/// `["a", "b"]` (exec form) or a shell command (`/bin/sh -c "…"`).
fn command_form(rest: &str) -> Vec<String> {
    let t = rest.trim();
    if t.starts_with('[')
        && let Ok(v) = serde_json::from_str::<Vec<String>>(t)
    {
        return v;
    }
    vec!["/bin/sh".into(), "-c".into(), t.to_string()]
}

/// The last stage of a Dockerfile: what its image runs. `context` is the build
/// context (where OpenClaw's own `openclaw.mjs` marks a source build).
pub fn from_dockerfile(text: &str, context: &Path) -> Image {
    let mut image = Image::default();
    let mut logical = String::new();
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let l = line.trim_end();
        if logical.is_empty() && l.trim_start().starts_with('#') {
            continue;
        }
        match l.strip_suffix('\\') {
            Some(part) => {
                logical.push_str(part);
                logical.push(' ');
            }
            None => {
                logical.push_str(l);
                lines.push(std::mem::take(&mut logical));
            }
        }
    }
    lines.push(logical);
    let mut stages: Vec<(String, Image)> = Vec::new();
    let mut stage: Option<String> = None;
    for line in lines {
        if line.trim_start().to_ascii_uppercase().starts_with("FROM ")
            && let Some(name) = stage.take()
        {
            stages.push((name, image.clone()));
        }
        let line = line.trim();
        let (instr, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match instr.to_ascii_uppercase().as_str() {
            "FROM" => {
                let words: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let base = words.first().copied().unwrap_or("");
                // `FROM earlier-stage` starts from what that stage ended with.
                image = match stages
                    .iter()
                    .rev()
                    .find(|(n, _)| n.eq_ignore_ascii_case(base))
                {
                    Some((_, i)) => i.clone(),
                    None => named(base),
                };
                if let [_, kw, name] = words.as_slice()
                    && kw.eq_ignore_ascii_case("as")
                {
                    stage = Some(name.to_string());
                } else {
                    stage = None;
                }
            }
            "WORKDIR" => {
                let d = rest.trim();
                image.workdir = if d.starts_with('/') {
                    d.to_string()
                } else {
                    format!("{}/{d}", image.workdir.trim_end_matches('/'))
                };
            }
            "USER" => image.user = rest.trim().to_string(),
            "ENTRYPOINT" => {
                image.entrypoint = command_form(rest);
                // why: Docker resets an inherited CMD when ENTRYPOINT is set.
                image.cmd.clear();
                image.known = true;
            }
            "CMD" => {
                image.cmd = command_form(rest);
                image.known = true;
            }
            "ENV" => {
                let words = shell_words::split(rest).unwrap_or_default();
                if words.len() >= 2 && !words[0].contains('=') {
                    image.env.push((words[0].clone(), words[1..].join(" ")));
                } else {
                    for w in words {
                        if let Some((k, v)) = w.split_once('=') {
                            image.env.push((k.to_string(), v.to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if image.openclaw_dir.is_none() && context.join("openclaw.mjs").is_file() {
        // A build of OpenClaw's own source tree: the package is the workdir.
        image.openclaw_dir = Some(image.workdir.clone());
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_names() {
        for n in [
            "openclaw:local",
            "ghcr.io/openclaw/openclaw:latest",
            "openclaw/openclaw:2026.9.3",
            "ghcr.io/openclaw/openclaw@sha256:abc",
        ] {
            assert!(is_official(n), "{n}");
        }
        assert!(!is_official("ghcr.io/someone/openclaw:latest"));
        assert!(!is_official("registry:5000/openclaw-cloud"));
    }

    #[test]
    fn a_dockerfile_from_the_official_image() {
        let d = "FROM ghcr.io/openclaw/openclaw:latest\nENV OPENCLAW_STATE_DIR=/data \\\n    X=1\nCMD [\"node\", \"openclaw.mjs\", \"gateway\", \"--port\", \"19000\"]\n";
        let i = from_dockerfile(d, Path::new("/nonexistent"));
        assert_eq!(i.entrypoint, ["tini", "--"]);
        assert_eq!(i.cmd[4], "19000");
        assert_eq!(i.env[0], ("OPENCLAW_STATE_DIR".into(), "/data".into()));
        assert_eq!(i.openclaw_dir.as_deref(), Some("/app"));
        let i = from_dockerfile(
            "FROM node:24\nENTRYPOINT openclaw gateway\n",
            Path::new("/x"),
        );
        assert_eq!(i.entrypoint, ["/bin/sh", "-c", "openclaw gateway"]);
        assert!(i.cmd.is_empty());
    }
}
