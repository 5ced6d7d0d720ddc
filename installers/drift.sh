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
"$uv" pip freeze --python "$venv/bin/python" --exclude-editable | sort >"$venv/latest.txt"
sed -n 's/^\([A-Za-z0-9_.-]*\)==\([^ ]*\).*/\1==\2/p' "$(lock_file test)" | sort >"$venv/locked.txt"
join -t= -i <(tr 'A-Z_' 'a-z-' <"$venv/locked.txt" | sort) \
  <(tr 'A-Z_' 'a-z-' <"$venv/latest.txt" | sort) |
  awk -F= '$2 != $3 {print "  " $1 ": " $2 " -> " $3}'

echo "== the test command on the newest releases =="
"$venv/bin/ruff" check . && "$venv/bin/lint-imports" && "$venv/bin/python" -m pytest -q -p no:cacheprovider -n auto --dist loadscope
status=$?
echo "drift check: test command exit status $status"
exit $status
