#!/usr/bin/env bash
# Per-user install from the unpacked tarball: ~/.local/opt/SoundSeek, launcher, menu entry, icon.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${PREFIX:-$HOME/.local}"
mkdir -p "$prefix/opt" "$prefix/bin" "$prefix/share/applications" "$prefix/share/icons/hicolor/256x256/apps"
rm -rf "$prefix/opt/SoundSeek" && cp -a "$here/SoundSeek" "$prefix/opt/SoundSeek"
ln -sf "$prefix/opt/SoundSeek/soundseek" "$prefix/bin/soundseek"
ln -sf "$prefix/opt/SoundSeek/SoundSeekApp" "$prefix/bin/soundseek-app"
cp "$here/soundseek-256.png" "$prefix/share/icons/hicolor/256x256/apps/soundseek.png"
sed "s|^Exec=soundseek-app|Exec=$prefix/bin/soundseek-app|" "$here/soundseek.desktop" \
  > "$prefix/share/applications/soundseek.desktop"
echo "installed to $prefix/opt/SoundSeek; run soundseek-app (or find SoundSeek in your menu)"
echo "uninstall: rm -rf $prefix/opt/SoundSeek $prefix/bin/soundseek* $prefix/share/applications/soundseek.desktop"
