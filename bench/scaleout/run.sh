#!/usr/bin/env bash
# Scale-out benchmark (see scaleout.py): preview tasks/s with 1 and 2 worker processes on
# PostgreSQL + s3rver, and durable submit/s on PostgreSQL vs SQLite vs nginx static.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/scaleout.py" "$(realpath "${1:-$here/../../build/src/app/vidserve}")"
