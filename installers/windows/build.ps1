# Windows: build the PyInstaller bundle, then the Inno Setup installer.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
py -3 -m venv .venv-bundle
.\.venv-bundle\Scripts\python -m pip install -q "torch==2.13.0" -e ".[bundle]"
.\.venv-bundle\Scripts\pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installers\soundseek.spec
$env:SOUNDSEEK_VERSION = (Select-String -Path soundseek\__init__.py -Pattern '__version__ = "(.+)"').Matches[0].Groups[1].Value
iscc installers\windows\soundseek.iss
