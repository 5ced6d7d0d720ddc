#!/usr/bin/env bash
# Two revisions' search, pipeline and CLI benchmarks in the same run, interleaved (A, B, A, B),
# with B/A ratios: throw-away worktrees of both under /tmp, then benchmarks/compare_refactor.py
# (see its docstring for what is run and how it is paired).
#
#   benchmarks/compare_refactor.sh [REV_A [REV_B]] [compare_refactor.py options]
#
# REV_A defaults to 1cebbf9 (before issue 21's refactor), REV_B to HEAD. Options pass through,
# e.g. a quick end-to-end check:
#   benchmarks/compare_refactor.sh 1cebbf9 HEAD --rounds 1 --sizes 5000 --queries 10 \
#       --pipeline-files 4 --workers 1 --cli-files 2000 --cli-runs 1 --cli-arch tiny --no-cold
# PYTHON picks the interpreter (default: the checkout's .venv). Results: bench-out/ here.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
rev_a=1cebbf9
rev_b=HEAD
if [[ $# -gt 0 && $1 != -* ]]; then rev_a=$1; shift; fi
if [[ $# -gt 0 && $1 != -* ]]; then rev_b=$1; shift; fi
python=${PYTHON:-$here/.venv/bin/python}
sha_a=$(git -C "$here" rev-parse --short "$rev_a^{commit}")
sha_b=$(git -C "$here" rev-parse --short "$rev_b^{commit}")

work=$(mktemp -d /tmp/compare-refactor.XXXXXX)
cleanup() {
    git -C "$here" worktree remove --force "$work/a" 2>/dev/null || true
    git -C "$here" worktree remove --force "$work/b" 2>/dev/null || true
    git -C "$here" worktree prune
    rm -rf "$work"
}
trap cleanup EXIT
git -C "$here" worktree add --quiet --detach "$work/a" "$sha_a"
git -C "$here" worktree add --quiet --detach "$work/b" "$sha_b"

started=$(date +%s)
cd "$here"
status=0
"$python" benchmarks/compare_refactor.py --a "$work/a" --b "$work/b" --labels "$sha_a" "$sha_b" \
    --patch-old-bench --scratch "$work/scratch" --out "bench-out/compare_refactor-$sha_a-$sha_b.json" "$@" || status=$?
echo "compare_refactor: $sha_a vs $sha_b, $(( $(date +%s) - started )) s," \
    "bench-out/compare_refactor-$sha_a-$sha_b.json" >&2
exit $status
