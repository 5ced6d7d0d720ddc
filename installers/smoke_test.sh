#!/usr/bin/env bash
# Smoke-test a built bundle with no Python environment on PATH: --version, an offscreen start
# of the app that exits cleanly, then add + index + search + similar on a tiny generated
# library with the tiny test model (made beforehand by the dev venv, never by the bundle).
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="${1:-dist/SoundSeek}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
.venv/bin/python - "$work" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, ".")
from tests.audiofiles import make_library
from tests.tinyclap import build_tiny_clap
work = Path(sys.argv[1])
make_library(work / "lib")
build_tiny_clap(work / "tiny")
PY
run() { env -i HOME="$work" PATH=/usr/bin:/bin LANG=C.UTF-8 SOUNDSEEK_HOME="$work/home" QT_QPA_PLATFORM=offscreen "$@"; }
echo "== version";      run "$bundle/soundseek" --version
start=$(date +%s.%N)
echo "== app start";    run "$bundle/SoundSeekApp" --quit-after 1500 --silent
echo "app cold start + 1.5 s + clean exit: $(echo "$(date +%s.%N) - $start" | bc) s"
echo "== import model"; run "$bundle/soundseek" model import "$work/tiny" --name tiny
echo "== add + index";  run "$bundle/soundseek" add "$work/lib"; run "$bundle/soundseek" index
echo "== search";       out=$(run "$bundle/soundseek" search "door creak" --json); echo "$out" | head -3
echo "$out" | grep -q "DOORWood_Creak" || { echo "search did not find the door"; exit 1; }
echo "== similar";      sim=$(run "$bundle/soundseek" similar "$work/lib/Doors/DOORWood_Creak Slow_JD_MYLIB_01.wav" --json)
echo "$sim" | head -1 | grep -q "copy of door" || { echo "similar did not find the copy first"; exit 1; }
echo "== status";       run "$bundle/soundseek" status | head -8
echo "bundle smoke test passed"
