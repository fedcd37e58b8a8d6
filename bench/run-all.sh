#!/usr/bin/env bash
# Runs every benchmark of issue #4 and writes bench/REPORT.md: set-up (Deskport's own, plus
# Debian's websockify), relay, concurrency, launch, control plane, fairness, RDP (issue #12, needs
# guacd from infra/guacd.sh and xrdp + xorgxrdp); then short CPU-profile
# passes and the proposed patches measured on a scratch copy (bench/experiment.sh); then the
# report. A benchmark that fails is named in the report and the others still run.
# Usage: bench/run-all.sh [--skip-setup] [--no-profiles] [--no-experiments]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
start=$(date +%s)
setup=1 profiles=1 experiments=1
for a in "$@"; do
  case "$a" in
    --skip-setup) setup=0 ;;
    --no-profiles) profiles=0 ;;
    --no-experiments) experiments=0 ;;
    *) echo "run-all: unknown option $a" >&2; exit 2 ;;
  esac
done

if [ "$setup" = 1 ]; then bash bench/setup.sh || { echo "run-all: set-up failed" >&2; exit 1; }; fi
rm -rf bench/results bench/profiles
mkdir -p bench/results
timings=bench/results/timings.txt
failed=()
step() {
  local name="$1"; shift
  local t0; t0=$(date +%s)
  echo "=== $name"
  if "$@"; then echo "$name $(( $(date +%s) - t0 ))" >> "$timings"; else echo "$name failed after $(( $(date +%s) - t0 )) s" >> "$timings"; failed+=("$name"); fi
}
bench() { node --import tsx "$@"; }

# Someone else's heavy job on a 2-core machine would show up in every figure: wait a little for quiet.
step quiet bench bench/lib/quiet.ts --wait 120
step relay bench bench/relay.ts
step concurrency bench bench/concurrency.ts
# The proposed (or already applied) hot-path patches, measured right after the figures they change.
if [ "$experiments" = 1 ]; then
  for p in bench/experiments/*.patch; do
    [ -f "$p" ] || continue
    step "quiet-before-$(basename "$p" .patch)" bench bench/lib/quiet.ts --wait 60
    step "experiment-$(basename "$p" .patch)" bash bench/experiment.sh "$(basename "$p" .patch)"
  done
fi
step launch bench bench/launch.ts
# VM desktops (issue #14): an idle VM's CPU and memory (click → first frame of VMs is in launch).
step vm bench bench/vm.ts
step control-plane bench bench/control-plane.ts
# The same on PostgreSQL 15 (issue #15): a private cluster started and stopped by the run.
step control-plane-postgres bench bench/control-plane.ts --store postgres --tag postgres
# Issue #15: three gateways behind haproxy, the serving one killed 20 times (writes its own section).
step failover bench bench/failover.ts
step fairness bench bench/fairness.ts
# RDP through guacd (issue #12): the report section comes from report.ts below, not from rdp.ts itself.
step quiet-before-rdp bench bench/lib/quiet.ts --wait 60
step rdp bench bench/rdp.ts --no-report
if [ "$profiles" = 1 ]; then
  step relay-profile bench bench/relay.ts --profile --tag profile --size-mib 256 --reps 1 --pings 500
  step concurrency-profile bench bench/concurrency.ts --profile --tag profile --ns 500 --paths deskport-separate,deskport-embedded --measure-s 4
  step control-plane-profile bench bench/control-plane.ts --profile --tag profile --api-only --api-s 4
fi
total=$(( $(date +%s) - start ))
echo "total $total" >> "$timings"
bench bench/report.ts --total-s "$total"
# Recording (issue #13): about 70 s; splices its own section into the report just written.
step recording bench bench/recording.ts --seconds 20
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-all: failed: ${failed[*]} (see above; the report shows what ran)" >&2
  exit 1
fi
echo "run-all: done in ${total} s; see bench/REPORT.md"
