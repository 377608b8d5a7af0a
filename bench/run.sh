#!/usr/bin/env bash
# Broker benchmark: builds the Dashboard app and the bench (Release), then measures the Dashboard and mosquitto
# in one run. Options go to the bench: bench/run.sh --runs 5 --messages 25000 (bench/run.sh --help lists them).
# `bench/run.sh live [options]` measures the dashboard's live path with Chromium attached instead (--help lists them).
# `bench/run.sh history [options]` measures the reading history instead (bench/run.sh history --help); with
# `--provider postgresql` the 30-day charts over 10 million readings on a PostgreSQL server it starts.
# `bench/run.sh scaleout [options]` measures ingestion with one and two dashboard instances (Broker:Mode=External against
# mosquitto) on PostgreSQL and Redis, all started by the bench on free ports (bench/run.sh scaleout --help).
# `bench/run.sh security [options]` measures broker users and ACLs (CONNECT, delivery) against mosquitto (--help).
# `bench/run.sh durable [options]` measures what acknowledged-means-stored costs: the broker bench with retained messages
# and a persistent session, Broker:Durability=Acknowledged and Periodic against mosquitto, flat out and paced.
# `bench/run.sh cost [--runs 3]` measures what a steady IoT load costs, the app's published build against mosquitto, loaded
# by bench/loadgen/loadgen.c (compiled here with gcc -O2, raw sockets, no libraries). `--floor` adds the floor relay
# (bench/Dashboard.RelayFloor): the least any .NET design costs under the same loads.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

mode=broker
if [[ "${1:-}" == "live" || "${1:-}" == "history" || "${1:-}" == "security" || "${1:-}" == "durable" || "${1:-}" == "cost" || "${1:-}" == "scaleout" ]]; then
  mode="$1"
  shift
fi

mosquitto=/usr/sbin/mosquitto
chromium=/usr/bin/chromium
keep_temp=false
for arg in "$@"; do
  if [[ "${prev:-}" == "--mosquitto" ]]; then mosquitto="$arg"; fi
  if [[ "${prev:-}" == "--chromium" ]]; then chromium="$arg"; fi
  if [[ "$arg" == "--keep-temp" ]]; then keep_temp=true; fi
  prev="$arg"
done
if [[ "$mode" == live && ! -x "$chromium" ]]; then
  echo "chromium not found at $chromium: install it with 'apt-get install chromium' (Playwright's own browser download is not used)." >&2
  exit 2
fi
if [[ ( "$mode" == broker || "$mode" == security || "$mode" == durable || "$mode" == cost || "$mode" == scaleout ) && ! -x "$mosquitto" ]]; then
  echo "mosquitto not found at $mosquitto: install it with 'apt-get install mosquitto' (Debian's 2.0.11 is the reference)." >&2
  exit 2
fi

postgres_wanted=false
if [[ "$mode" == scaleout ]] || { [[ "$mode" == history ]] && [[ " $* " == *" --provider postgresql "* ]]; }; then postgres_wanted=true; fi
if [[ "$postgres_wanted" == true ]] && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "PostgreSQL not found under /usr/lib/postgresql: install it with 'apt-get install postgresql' (Debian's 15 is the reference)." >&2
  exit 2
fi
if [[ "$mode" == scaleout && ! -x /usr/bin/redis-server ]]; then
  echo "redis-server not found: install it with 'apt-get install redis-server'." >&2
  exit 2
fi

# Release builds only, and never the whole solution: others build Debug at the same time. `cost` measures the published
# build as the Dockerfile makes it (for this machine's runtime, so compiled ahead of time), in the default publish folder.
dashboard_dll="$repo/src/Dashboard/bin/Release/net10.0/Dashboard.dll"
if [[ "$mode" == cost ]]; then
  dashboard_dll="$repo/src/Dashboard/bin/Release/net10.0/publish/Dashboard.dll"
  dotnet publish src/Dashboard -c Release --use-current-runtime --self-contained false -o "$(dirname "$dashboard_dll")" -nologo -v quiet
else
  dotnet build src/Dashboard -c Release -nologo -v quiet
fi
dotnet build bench/Dashboard.Bench -c Release -nologo -v quiet
if [[ "$mode" == cost ]]; then dotnet build bench/Dashboard.RelayFloor -c Release -nologo -v quiet; fi

# Everything the run writes (configs, logs, SQLite, the PID list) goes under one folder, removed at the end.
# The bench lists every broker and server it starts ("pid last-argument") in the PID list; the trap kills those still running, so
# no broker outlives a failure, Ctrl+C or kill of this script. Only the PIDs listed, and only if still that program.
work="$(mktemp -d -t dashboard-bench.XXXXXX)"
pid_file="$work/pids"
touch "$pid_file"
bench_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$bench_pid" ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  while read -r pid marker; do
    if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker"; then
      echo "Stopping broker pid $pid ($marker)" >&2
      kill "$pid" 2>/dev/null || true
    fi
  done <"$pid_file"
  if [[ "$keep_temp" == true ]]; then echo "Kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mode_extra=()
if [[ "$mode" == cost ]]; then
  gcc -O2 -Wall -o "$work/loadgen" bench/loadgen/loadgen.c
  mode_extra=(--loadgen "$work/loadgen" --relay "$repo/bench/Dashboard.RelayFloor/bin/Release/net10.0/Dashboard.RelayFloor.dll")
fi

# In the background so that the traps run as soon as a signal arrives, not when the bench returns.
# (Chromium is Playwright's child: it goes when the bench's Playwright driver does.)
mode_args=()
if [[ "$mode" != broker ]]; then mode_args=("$mode"); fi
BENCH_PID_FILE="$pid_file" TMPDIR="$work" dotnet bench/Dashboard.Bench/bin/Release/net10.0/Dashboard.Bench.dll \
  "${mode_args[@]}" --dashboard-dll "$dashboard_dll" "${mode_extra[@]}" "$@" &
bench_pid=$!
status=0
wait "$bench_pid" || status=$?
bench_pid=""
exit "$status"
