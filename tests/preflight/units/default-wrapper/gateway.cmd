@echo off
rem OpenClaw Gateway
set "HOME=/home/alice"
set "TMPDIR=/tmp"
set "NODE_OPTIONS="
set "OPENCLAW_WRAPPER=/usr/local/bin/openclaw-preflight"
set "OPENCLAW_GATEWAY_PORT=18789"
set "OPENCLAW_SYSTEMD_UNIT=openclaw-gateway.service"
set "OPENCLAW_WINDOWS_TASK_NAME=OpenClaw Gateway"
set "OPENCLAW_SERVICE_MARKER=openclaw"
set "OPENCLAW_SERVICE_KIND=gateway"
/usr/local/bin/openclaw-preflight gateway --port 18789 --task-supervisor < NUL
