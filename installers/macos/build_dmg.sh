#!/usr/bin/env bash
# macOS: build SoundSeek.app (PyInstaller BUNDLE, Info.plist from the spec), sign it with the
# hardened runtime when SIGN_IDENTITY is set, and wrap it in a compressed dmg.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash installers/build_bundle.sh
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' soundseek/__init__.py)
if [ -n "${SIGN_IDENTITY:-}" ]; then
  codesign --deep --force --options runtime --timestamp \
    --entitlements installers/macos/entitlements.plist --sign "$SIGN_IDENTITY" dist/SoundSeek.app
fi
stage=$(mktemp -d)
cp -R dist/SoundSeek.app "$stage/"
ln -s /Applications "$stage/Applications"
hdiutil create -volname SoundSeek -srcfolder "$stage" -ov -format UDZO "dist/SoundSeek-$version-macos.dmg"
echo "dist/SoundSeek-$version-macos.dmg"
