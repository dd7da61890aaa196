@echo off
rem OpenClaw Gateway (profile: rescue)
set "HOME=/home/alice"
set "TMPDIR=/tmp"
set "OPENCLAW_STATE_DIR=/home/alice/.openclaw-rescue"
set "OPENCLAW_CONFIG_PATH=/home/alice/.openclaw-rescue/openclaw.json"
set "NODE_OPTIONS="
set "OPENCLAW_PROFILE=rescue"
set "OPENCLAW_WRAPPER=/usr/local/bin/openclaw-preflight"
set "OPENCLAW_GATEWAY_PORT=19789"
set "OPENCLAW_SYSTEMD_UNIT=openclaw-gateway-rescue.service"
set "OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway (rescue)"
set "OPENCLAW_SERVICE_MARKER=openclaw"
set "OPENCLAW_SERVICE_KIND=gateway"
/usr/local/bin/openclaw-preflight gateway --port 19789 --task-supervisor < NUL
