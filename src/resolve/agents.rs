//! Agent rosters and workspaces (`src/agents/agent-roster.ts`,
//! `src/agents/agent-scope-config.ts`, `src/agents/workspace-default-path.ts`).

use super::Resolver;
use crate::load::json5::{Node, Value};
use crate::load::{LoadError, LoadErrorKind, Location, resolve_lexical};
use crate::model::{Origin, Resolved, Workspace};
use crate::ports;
use std::path::{Path, PathBuf};

impl Resolver<'_> {
    /// `resolveDefaultAgentWorkspaceDir` (`src/agents/workspace-default-path.ts`).
    pub(super) fn default_workspace(&self) -> Resolved<PathBuf> {
        if let Some(v) = self.env.non_blank("OPENCLAW_WORKSPACE_DIR") {
            // why: plain `path.resolve`, no `~` expansion.
            let origin = self
                .env
                .get("OPENCLAW_WORKSPACE_DIR")
                .map(|v| v.origin.clone());
            return Resolved::new(
                resolve_lexical(self.ctx.cwd, Path::new(v)),
                origin.unwrap_or_else(|| Origin::Default("OPENCLAW_WORKSPACE_DIR".into())),
            );
        }
        if self.env.non_blank("OPENCLAW_STATE_DIR").is_some() {
            let s = self.state_dir();
            return Resolved::new(
                s.value.join("workspace"),
                Origin::derived(&s.origin, "state dir + `workspace`"),
            );
        }
        if let Some(p) = self.env.non_blank("OPENCLAW_PROFILE")
            && !p.eq_ignore_ascii_case("default")
            && let Some(dir) = self.profile_state_dir(p)
        {
            let origin = self.env.get("OPENCLAW_PROFILE").map(|v| v.origin.clone());
            return Resolved::new(
                dir.join("workspace"),
                Origin::derived(
                    &origin.unwrap_or_else(|| Origin::Default("OPENCLAW_PROFILE".into())),
                    format!("workspace of profile `{p}`"),
                ),
            );
        }
        Resolved::new(
            self.home().join(".openclaw/workspace"),
            Origin::Default("default workspace `~/.openclaw/workspace`".into()),
        )
    }

    /// Every agent's workspace (`resolveAgentWorkspaceDir`), and the workspace of the
    /// agent that owns the default data (`tryResolveConfiguredAgentWorkspaceDir`).
    pub(super) fn workspaces(
        &self,
        root: Option<&Node>,
        state_dir: &Path,
    ) -> (Resolved<PathBuf>, Vec<Workspace>) {
        let roster = Roster::read(root);
        let defaults_ws = root
            .and_then(|r| r.path(&["agents", "defaults", "workspace"]))
            .and_then(|e| e.node.as_str().map(|s| (s.trim(), e.node.span)))
            .filter(|(s, _)| !s.is_empty());
        let owner = roster.legacy_data_owner();
        let mut workspaces = Vec::new();
        for id in roster.ids() {
            let own = roster.entry(&id).and_then(|(raw, e)| {
                let n = e.get("workspace")?;
                let s = n.as_str()?.trim();
                (!s.is_empty()).then(|| (s, n.span, format!("agents.entries.{raw}.workspace")))
            });
            let defaults_key = || Some("agents.defaults.workspace".to_string());
            let (path, key) = if let Some((ws, span, key)) = own {
                (
                    Resolved::new(self.user_path(ws), Origin::Config(span)),
                    Some(key),
                )
            } else if owner.as_deref() == Some(id.as_str()) {
                match defaults_ws {
                    Some((ws, span)) => (
                        Resolved::new(self.user_path(ws), Origin::Config(span)),
                        defaults_key(),
                    ),
                    None => (self.default_workspace(), None),
                }
            } else if let Some((ws, span)) = defaults_ws {
                (
                    Resolved::new(
                        self.user_path(ws).join(&id),
                        Origin::derived(
                            &Origin::Config(span),
                            format!("`agents.defaults.workspace` + `{id}`"),
                        ),
                    ),
                    defaults_key(),
                )
            } else {
                (
                    Resolved::new(
                        state_dir.join(format!("workspace-{id}")),
                        Origin::Default(format!("state dir + `workspace-{id}`")),
                    ),
                    None,
                )
            };
            let is_owner = owner.as_deref() == Some(id.as_str());
            workspaces.push(Workspace {
                agent: id,
                path,
                key,
                owner: is_owner,
            });
        }
        let workspace = match owner {
            Some(id) => workspaces
                .iter()
                .find(|w| w.agent == id)
                .map(|w| w.path.clone())
                .unwrap_or_else(|| self.default_workspace()),
            None => match defaults_ws {
                Some((ws, span)) => Resolved::new(self.user_path(ws), Origin::Config(span)),
                None => self.default_workspace(),
            },
        };
        (workspace, workspaces)
    }
}

/// The agent roster of a config (`src/agents/agent-roster.ts`).
struct Roster<'a> {
    /// `(raw id, entry)` in config order.
    entries: Vec<(String, &'a Node)>,
    has_roster: bool,
    explicit: bool,
}

/// `normalizeAgentId` (`packages/normalization-core/src/agent-id.ts`).
pub fn normalize_agent_id(raw: &str) -> String {
    let t = raw.trim();
    let lower = t.to_lowercase();
    if ports::is_valid_profile_name(t) {
        return lower;
    }
    let mut out = String::new();
    let mut dash = false;
    for c in lower.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
            if dash {
                out.push('-');
                dash = false;
            }
            out.push(c);
        } else {
            dash = true;
        }
    }
    if dash {
        out.push('-');
    }
    let trimmed: String = out.trim_matches('-').chars().take(64).collect();
    if trimmed.is_empty() {
        "main".into()
    } else {
        trimmed
    }
}

/// Rosters OpenClaw refuses, so the config is invalid and the gateway does not
/// start: a legacy `agents.list` it cannot migrate (`parseLegacyAgentRoster` in
/// `src/config/legacy.roster.ts` takes only objects whose `id` is already a
/// normalised, unique agent id), and `ownership: "explicit"` beside a legacy
/// `default: true` marker (`src/config/zod-schema.agents.ts`).
pub(super) fn roster_errors(root: &Node) -> Vec<LoadError> {
    let mut out = Vec::new();
    let Some(agents) = root.get("agents") else {
        return out;
    };
    let invalid = |at: &Node, message: String, key: &str, help: String| {
        LoadError::new(LoadErrorKind::Value, message, Location::Span(at.span))
            .with_key(key.into())
            .with_help(help)
    };
    if let (None, Some(Value::Array(items))) =
        (agents.get("entries"), agents.get("list").map(|l| &l.value))
    {
        let mut seen: Vec<&str> = Vec::new();
        for (n, item) in items.iter().enumerate() {
            let key = format!("agents.list[{n}]");
            let entries = "move the agents to `agents.entries: { <id>: { … } }`".to_string();
            let problem = match item.get("id").map(|i| (i, i.as_str())) {
                _ if item.as_object().is_none() => {
                    Some((item, "is not an object".to_string(), entries))
                }
                None => Some((item, "has no `id`".to_string(), entries)),
                Some((id, None)) => {
                    Some((id, "has an `id` that is not a string".to_string(), entries))
                }
                Some((id, Some(raw))) if normalize_agent_id(raw) != raw || raw.trim() != raw => {
                    let canonical = normalize_agent_id(raw);
                    Some((
                        id,
                        format!("has id `{raw}`, not a normalised agent id (`{canonical}`)"),
                        format!("write the id as `{canonical}`"),
                    ))
                }
                Some((id, Some(raw))) if seen.contains(&raw) => Some((
                    id,
                    format!("repeats id `{raw}`"),
                    format!("give the second `{raw}` an id of its own"),
                )),
                Some((_, Some(raw))) => {
                    seen.push(raw);
                    None
                }
            };
            if let Some((at, why, help)) = problem {
                out.push(invalid(
                    at,
                    format!(
                        "{why}, so OpenClaw cannot migrate `agents.list` and rejects the config"
                    ),
                    &key,
                    help,
                ));
                break;
            }
        }
    }
    let explicit = agents.get("ownership").and_then(Node::as_str) == Some("explicit");
    let marked = agents
        .get("entries")
        .and_then(Node::as_object)
        .unwrap_or(&[])
        .iter()
        .find_map(|e| {
            e.node
                .entry("default")
                .filter(|d| d.node.value == Value::Bool(true))
                .map(|d| (e, d))
        });
    if let (true, Some((entry, marker))) = (explicit, marked) {
        out.push(invalid(
            &marker.node,
            "has `default: true` beside `agents.ownership: \"explicit\"`, which OpenClaw rejects"
                .into(),
            &format!("agents.entries.{}", entry.key),
            format!("remove `default: true` from `agents.entries.{}`", entry.key),
        ));
    }
    out
}

impl<'a> Roster<'a> {
    fn read(root: Option<&'a Node>) -> Roster<'a> {
        let agents = root
            .and_then(|r| r.get("agents"))
            .filter(|a| a.as_object().is_some());
        let explicit = agents
            .and_then(|a| a.get("ownership"))
            .and_then(Node::as_str)
            == Some("explicit");
        let mut out = Roster {
            entries: vec![],
            has_roster: false,
            explicit,
        };
        let Some(agents) = agents else { return out };
        if let Some(entries) = agents.get("entries") {
            out.has_roster = true;
            if let Some(obj) = entries.as_object() {
                out.entries = obj
                    .iter()
                    .filter(|e| e.node.as_object().is_some())
                    .map(|e| (e.key.clone(), &e.node))
                    .collect();
            }
        } else if let Some(list) = agents.get("list") {
            out.has_roster = true;
            if let Value::Array(items) = &list.value {
                out.entries = items
                    .iter()
                    .filter(|n| n.as_object().is_some())
                    .map(|n| {
                        (
                            n.get("id").and_then(Node::as_str).unwrap_or("").to_string(),
                            n,
                        )
                    })
                    .collect();
            }
        }
        // why: `migratePersistedImplicitMainRoster` (`src/config/legacy.roster.ts`)
        // gives an empty roster without explicit ownership its implicit `main`.
        if out.entries.is_empty() && !out.explicit {
            out.has_roster = false;
        }
        out
    }

    /// `listAgentIds`: `main` when there is no roster at all.
    fn ids(&self) -> Vec<String> {
        if self.entries.is_empty() && !self.has_roster {
            return vec!["main".into()];
        }
        let mut ids: Vec<String> = Vec::new();
        for (raw, _) in &self.entries {
            let id = normalize_agent_id(raw);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The first entry whose id normalises to `id`, with its raw id.
    fn entry(&self, id: &str) -> Option<(&str, &'a Node)> {
        self.entries
            .iter()
            .find(|(raw, _)| normalize_agent_id(raw) == id)
            .map(|(raw, n)| (raw.as_str(), *n))
    }

    /// `tryResolveLegacyDataOwner`: the one `default: true` entry (unless ownership
    /// is explicit), else the sole agent.
    fn legacy_data_owner(&self) -> Option<String> {
        if !self.explicit {
            let marked: Vec<&(String, &Node)> = self
                .entries
                .iter()
                .filter(|(_, n)| {
                    matches!(n.get("default").map(|d| &d.value), Some(Value::Bool(true)))
                })
                .collect();
            if marked.len() == 1 {
                return Some(normalize_agent_id(&marked[0].0));
            }
        }
        match self.entries.len() {
            0 if !self.has_roster => Some("main".into()),
            1 => Some(normalize_agent_id(&self.entries[0].0)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_normalise_like_openclaw() {
        // why: `packages/normalization-core/src/agent-id.ts`.
        for (raw, want) in [
            ("Sales", "sales"),
            ("Ops_Bot", "ops_bot"),
            ("  main ", "main"),
            ("My Agent!", "my-agent"),
            ("--x--", "x"),
            ("***", "main"),
            ("a.b", "a-b"),
        ] {
            assert_eq!(normalize_agent_id(raw), want, "{raw}");
        }
    }
}
