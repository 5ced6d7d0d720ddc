#!/usr/bin/env bash
# Set up a SoundSeek development/run environment in ./.venv (CPU torch); --test adds test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
# System libraries: PortAudio for playback, Xvfb for real-window screenshots (Debian/Ubuntu).
system_pkgs="libportaudio2 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $system_pkgs >/dev/null
elif command -v apt-get >/dev/null 2>&1; then
  echo "note: not root; make sure these are installed: $system_pkgs" >&2
fi
python3 -m venv .venv
# torch pinned to the CPU build; a CUDA machine can `pip install torch` from the CUDA index instead.
.venv/bin/python -m pip install -q "torch==2.13.0" -e ".${extras}"
echo "SoundSeek environment ready in .venv"
