#!/usr/bin/env bash
# Set up a SoundSeek environment in ./.venv from the lock files in installers/lock/ (CPU torch);
# --test adds the test tools. Exactly the versions CI saw, hash-checked (installers/lock.sh
# refreshes the locks).
set -euo pipefail
cd "$(dirname "$0")/.."
source installers/lib.sh
set_name=app
[ "${1:-}" = "--test" ] && set_name=test
# System libraries: PortAudio for playback, Xvfb for real-window screenshots, sox as a third
# reader that checks every AIFF SoundSeek writes (Debian/Ubuntu).
system_pkgs="libportaudio2 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 sox"

missing_pkgs() {  # the system packages not installed yet
  local pkg
  for pkg in $system_pkgs; do
    dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || echo "$pkg"
  done
}

# apt waits for another apt or dpkg (unattended upgrades, a second shell) instead of failing:
# `install` waits on dpkg's lock by itself (DPkg::Lock::Timeout); `update` takes the package
# lists' lock, which that option does not cover, so a busy lock is retried here.
apt_wait() {
  local tries=0 err
  err=$(mktemp)
  until apt-get -o DPkg::Lock::Timeout=600 "$@" 2>"$err"; do
    if ! grep -q "Could not get lock" "$err" || [ "$tries" -ge 60 ]; then
      cat "$err" >&2
      rm -f "$err"
      return 1
    fi
    tries=$((tries + 1))
    echo "apt-get is busy (another package manager holds its lock); waiting..." >&2
    sleep 10
  done
  rm -f "$err"
}

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  need=$(missing_pkgs | tr '\n' ' ')
  if [ -n "${need// /}" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt_wait update -qq >/dev/null
    # shellcheck disable=SC2086
    apt_wait install -y -qq --no-install-recommends $need >/dev/null
  fi
elif command -v apt-get >/dev/null 2>&1; then
  echo "note: not root; make sure these are installed: $system_pkgs" >&2
fi
install_locked .venv "$set_name"
echo "SoundSeek environment ready in .venv"
