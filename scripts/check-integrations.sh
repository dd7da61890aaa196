#!/usr/bin/env bash
# Checks the integrations without GitHub or act: action.yml and the release
# workflow against their published schemas (check-jsonschema's vendored copies),
# the `clawfence-system` pre-commit hook with `pre-commit try-repo` on a scratch
# repository (a conflict fails, the fix passes), and the action's `Check` step
# run locally. Needs: pip install pre-commit check-jsonschema; a built clawfence.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CLAWFENCE_BIN_DIR:-$repo/target/debug}"
export PATH="$bin:$PATH"
command -v clawfence >/dev/null || { echo "build clawfence first (cargo build)"; exit 2; }

check-jsonschema --builtin-schema vendor.github-actions "$repo/action.yml"
check-jsonschema --builtin-schema vendor.github-workflows "$repo/.github/workflows/release.yml"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
git init -q
mkdir deploy
echo '{ gateway: { port: 18789 } }' > deploy/main.json5
echo '{ gateway: { port: 18789 } }' > deploy/rescue.json5
cat > clawfence.json5 <<'JSON5'
{
  instances: {
    main: { config: "deploy/main.json5", env: { OPENCLAW_STATE_DIR: "/srv/main" } },
    rescue: { config: "deploy/rescue.json5", env: { OPENCLAW_STATE_DIR: "/srv/rescue" } },
  },
}
JSON5
git add -A
if pre-commit try-repo "$repo" clawfence-system --all-files; then
  echo "FAIL: the hook passed a port collision"; exit 1
fi
echo '{ gateway: { port: 19900 } }' > deploy/rescue.json5
git add -A
pre-commit try-repo "$repo" clawfence-system --all-files

# the action's Check step, as the runner would run it
echo '{ gateway: { port: 18789 } }' > deploy/rescue.json5
python3 - "$repo/action.yml" > check-step.sh <<'PY'
import sys, yaml
steps = yaml.safe_load(open(sys.argv[1]))["runs"]["steps"]
print(next(s for s in steps if s.get("id") == "check")["run"])
PY
GITHUB_OUTPUT="$scratch/out" ARGS="" SARIF=clawfence.sarif bash check-step.sh
grep -qx 'exit-code=1' "$scratch/out" || { echo "FAIL: exit-code output"; cat "$scratch/out"; exit 1; }
python3 -c "import json,sys; d=json.load(open('clawfence.sarif')); assert d['runs'][0]['results'], 'no results'"
echo "integrations ok"
