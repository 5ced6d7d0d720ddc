#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle (dist/SoundSeek) on this platform, from a clean venv
# that holds only what the app needs (CPU torch; no test tools, no librosa/scipy).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv-bundle
.venv-bundle/bin/python -m pip install -q "torch==2.13.0" -e ".[bundle]"
rm -rf build/pyinstaller dist/SoundSeek
.venv-bundle/bin/pyinstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller installers/soundseek.spec
du -sh dist/SoundSeek | awk '{print "bundle size: " $1}'
