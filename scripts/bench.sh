#!/bin/sh
# The scale figures of the README: whole-process `clawfence check` on a dense
# 10,000-profile host, 500 clean instances with 10 agents and 2 instances, then
# resolve/check/preflight timings in process. Release build; the load average is
# printed first because the figures mean little on a busy machine.
set -eu
cd "$(dirname "$0")/.."
exec cargo bench --bench host "$@"
