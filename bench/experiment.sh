#!/usr/bin/env bash
# Measures a proposed hot-path change without touching this tree: copies the working tree to a
# scratch directory, applies bench/experiments/NAME.patch there, type-checks it, and runs the relay
# and concurrency benchmarks in the copy with --tag exp-NAME. Results land in this tree's
# bench/results/, so bench/report.ts shows them next to the unpatched figures. When this tree
# already contains the change, the copy gets it reversed instead (--tag base-NAME): the report then
# compares the tree with its state before the change.
# Usage: bench/experiment.sh NAME   (env RELAY_ARGS, CONCURRENCY_ARGS override the defaults below)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name="${1:?usage: bench/experiment.sh NAME (a file bench/experiments/NAME.patch)}"
patch_file="$root/bench/experiments/$name.patch"
[ -f "$patch_file" ] || { echo "experiment: no $patch_file" >&2; exit 2; }
scratch="$(mktemp -d /tmp/deskport-experiment-XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
tar -C "$root" --exclude=./node_modules --exclude=./.git --exclude=./bench/results --exclude=./bench/profiles \
  --exclude=./test-artifacts --exclude=./data -cf - . | tar -C "$scratch" -xf -
ln -s "$root/node_modules" "$scratch/node_modules"
if (cd "$scratch" && patch -p1 --dry-run --quiet --force < "$patch_file" >/dev/null 2>&1); then
  (cd "$scratch" && patch -p1 --quiet --force < "$patch_file")
  tag="exp-$name"
elif (cd "$scratch" && patch -p1 -R --dry-run --quiet --force < "$patch_file" >/dev/null 2>&1); then
  (cd "$scratch" && patch -p1 -R --quiet --force < "$patch_file")
  tag="base-$name"
  echo "experiment $name: this tree already has the change; measuring the copy WITHOUT it"
else
  echo "experiment $name: the patch neither applies nor reverses cleanly on this tree" >&2
  exit 1
fi
(cd "$scratch" && npx tsc -p tsconfig.json --noEmit)
echo "experiment $name: copy in $scratch ($tag) type-checks; running benchmarks"
export BENCH_RESULTS_DIR="$root/bench/results" BENCH_PROFILES_DIR="$root/bench/profiles"
cd "$scratch"
node --import tsx bench/relay.ts --tag "$tag" ${RELAY_ARGS:---reps 2}
node --import tsx bench/concurrency.ts --tag "$tag" ${CONCURRENCY_ARGS:---paths deskport-separate,deskport-embedded --ns 50,200,500}
