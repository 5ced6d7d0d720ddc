#!/usr/bin/env bash
# Linux: package dist/SoundSeek as a tarball with a .desktop entry, icon and per-user installer.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' soundseek/__init__.py)
name="SoundSeek-${version}-linux-$(uname -m)"
stage="dist/$name"
rm -rf "$stage" && mkdir -p "$stage"
cp -a dist/SoundSeek "$stage/SoundSeek"
cp installers/linux/soundseek.desktop resources/icons/soundseek-256.png installers/linux/install.sh "$stage/"
tar -C dist -czf "dist/$name.tar.gz" "$name"
du -h "dist/$name.tar.gz" | awk '{print "tarball: " $2 " (" $1 ")"}'
