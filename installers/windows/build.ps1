# Windows: build the PyInstaller bundle, then the Inno Setup installer.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
# The locked, hash-checked versions (installers/lock.sh resolves this file on Linux).
py -3.11 -m venv .venv-bundle
.\.venv-bundle\Scripts\python -m pip install -q --require-hashes -r installers\lock\windows-x86_64-bundle.txt
.\.venv-bundle\Scripts\python -m pip install -q --no-deps --no-build-isolation -e .
.\.venv-bundle\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installers\soundseek.spec
$env:SOUNDSEEK_VERSION = (Select-String -Path soundseek\__init__.py -Pattern '__version__ = "(.+)"').Matches[0].Groups[1].Value
iscc installers\windows\soundseek.iss
