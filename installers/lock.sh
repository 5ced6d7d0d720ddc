#!/usr/bin/env bash
# Refresh the lock files in installers/lock/ from pyproject.toml (needs the package registry).
#
#   bash installers/lock.sh            # add what pyproject.toml gained; keep every other pin
#   bash installers/lock.sh --upgrade  # move every pin to the newest release that resolves
#   bash installers/lock.sh --upgrade-package NAME  # move one package (and what it needs)
#
# Why uv's requirements-style locks (not uv.lock): they carry a sha256 for every file, pip can
# read them too (`pip install --require-hashes -r ...`, e.g. on a Windows build box without uv),
# and the CPU torch wheel, which lives outside the registry, is just one more pinned, hashed line.
# One superset (Linux, the tests) is resolved first; the app, the bundle and the other
# platforms' bundles are resolved under its pins, so every set agrees on every shared version.
# Spot to Pro Tools (the `protools` extra) goes into every set: installs use only the locks.
# Note each refresh under "Changed" in CHANGELOG.md (what moved), and run installers/drift.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source installers/lib.sh
upgrade=("$@")  # --upgrade, --upgrade-package NAME ...: handed to `uv pip compile`

uv=$(bootstrap_uv "$(mktemp -d)")
out=installers/lock
compile() {  # compile OUTPUT PLATFORM EXTRA-ARGS...
  local dest=$1 platform=$2 body
  shift 2
  body=$(mktemp)
  [ -f "$dest" ] && cp "$dest" "$body"  # the pins to keep (unless --upgrade)
  "$uv" pip compile pyproject.toml --quiet --generate-hashes --no-header --python-version 3.11 \
    --python-platform "$platform" --output-file "$body" "${upgrade[@]}" "$@"
  { echo "# Locked by installers/lock.sh for CPython 3.11 on $platform; do not edit by hand."
    echo "# Each 'via -c' names the constraint file that run used (the torch pin, the test set's pins)."
    cat "$body"; } | sed 's|-c /tmp/tmp\.[A-Za-z0-9]*|-c (pins of linux-x86_64-test.txt)|' >"$dest"
  rm -f "$body"
  echo "locked $(grep -c '==' "$dest") packages in $dest"
}

# Linux x86_64 with glibc 2.34+ (Debian 12, Ubuntu 22.04, RHEL 9: PySide6 6.10+ needs it; an
# older baseline silently resolves an older Qt), and the CPU build of torch (PyPI's Linux torch
# is a multi-GB CUDA build).
linux=(--find-links "$(torch_find_links)" -c "$out/torch-cpu.txt")
compile "$out/linux-x86_64-test.txt" x86_64-manylinux_2_34 "${linux[@]}" \
  --extra test --extra cluster --extra bundle
pins=$(mktemp)
sed -n 's/^\([A-Za-z0-9_.-]*==[^ ]*\).*/\1/p' "$out/linux-x86_64-test.txt" >"$pins"
compile "$out/linux-x86_64-app.txt" x86_64-manylinux_2_34 "${linux[@]}" -c "$pins" \
  --extra protools
compile "$out/linux-x86_64-bundle.txt" x86_64-manylinux_2_34 "${linux[@]}" -c "$pins" \
  --extra bundle --extra protools

# Other platforms' bundles: the same versions (torch without the local "+cpu" tag: PyPI's macOS
# and Windows wheels are the CPU builds).
sed 's/+cpu//' "$pins" | grep -v '^nvidia' >"$pins.plain"
compile "$out/windows-x86_64-bundle.txt" x86_64-pc-windows-msvc -c "$pins.plain" --extra bundle \
  --extra protools
MACOSX_DEPLOYMENT_TARGET=14.0 compile "$out/macos-arm64-bundle.txt" aarch64-apple-darwin \
  -c "$pins.plain" --extra bundle --extra protools
rm -f "$pins" "$pins.plain"
