#!/usr/bin/env bash
# Drift check (not part of CI): install the NEWEST releases of every dependency, unpinned, into
# .venv-latest, run the whole test command there, and list what moved against the test lock.
# Run it before a lock refresh and now and then, so a release that breaks SoundSeek is seen
# before users see it. torch alone stays at its CPU pin (installers/lock/torch-cpu.txt): the
# newest torch on the registry is a multi-GB CUDA build; moving torch is a deliberate edit.
#
#   bash installers/drift.sh            # exit status: the test command's
set -uo pipefail
cd "$(dirname "$0")/.."
source installers/lib.sh
venv=.venv-latest
uv=$(bootstrap_uv "$(mktemp -d)") || exit 1
rm -rf "$venv"
"$uv" venv -q --python "$(find_python || echo python3)" "$venv" || exit 1
# Newest of everything but torch: no lock, no other constraint.
"$uv" pip install -q --python "$venv/bin/python" --upgrade --find-links "$(torch_find_links)" \
  -c "$LOCK_DIR/torch-cpu.txt" -e ".[test,cluster]" || exit 1

echo "== what moved against $(lock_file test) =="
"$uv" pip freeze --python "$venv/bin/python" --exclude-editable >"$venv/latest.txt"
"$venv/bin/python" - "$(lock_file test)" "$venv/latest.txt" <<'PY'
import re, sys
def pins(path):
    found = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"([A-Za-z0-9_.-]+)==([^\s\\;]+)", line)
        if m:
            found[re.sub(r"[-_.]+", "-", m[1]).lower()] = m[2]
    return found
locked, latest = pins(sys.argv[1]), pins(sys.argv[2])
moved = sorted(n for n in locked.keys() & latest.keys() if locked[n] != latest[n])
for n in moved:
    print(f"  {n}: {locked[n]} -> {latest[n]}")
for n in sorted(latest.keys() - locked.keys()):
    print(f"  {n}: (not locked) {latest[n]}")
print(f"  {len(moved)} of {len(locked)} locked packages have a newer release")
PY

echo "== the test command on the newest releases =="
"$venv/bin/ruff" check . && "$venv/bin/lint-imports" && "$venv/bin/python" -m pytest -q -p no:cacheprovider -n auto --dist loadscope
status=$?
echo "drift check: test command exit status $status"
exit $status
