#!/usr/bin/env bash
# Build the one-folder PyInstaller bundle (dist/SoundSeek) on this platform, from a clean venv
# that holds only what the app needs (CPU torch; no test tools, no librosa/scipy).
set -euo pipefail
cd "$(dirname "$0")/.."
source installers/lib.sh
install_locked .venv-bundle bundle  # installers/lock/*-bundle.txt: the app's pins + PyInstaller
rm -rf build/pyinstaller dist/SoundSeek
.venv-bundle/bin/pyinstaller --noconfirm --log-level WARN \
  --distpath dist --workpath build/pyinstaller installers/soundseek.spec
du -sh dist/SoundSeek | awk '{print "bundle size: " $1}'
