; Inno Setup script: builds SoundSeek-<version>-setup.exe from dist\SoundSeek (PyInstaller).
; Build on Windows: installers\windows\build.ps1 (needs Inno Setup 6, iscc on PATH).
#define AppVersion GetEnv("SOUNDSEEK_VERSION")
[Setup]
AppId={{6B0C1E52-6F0A-4C8E-9E43-5F2B7C1D2A10}
AppName=SoundSeek
AppVersion={#AppVersion}
AppPublisher=SoundSeek
DefaultDirName={autopf}\SoundSeek
DefaultGroupName=SoundSeek
OutputDir=..\..\dist
OutputBaseFilename=SoundSeek-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\soundseek.ico
UninstallDisplayIcon={app}\SoundSeekApp.exe
Compression=lzma2/max
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked
Name: "assoc"; Description: "Offer SoundSeek in 'Open with' for WAV/FLAC/OGG/MP3/AIFF"; Flags: unchecked

[Files]
Source: "..\..\dist\SoundSeek\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\SoundSeek"; Filename: "{app}\SoundSeekApp.exe"
Name: "{group}\Uninstall SoundSeek"; Filename: "{uninstallexe}"
Name: "{autodesktop}\SoundSeek"; Filename: "{app}\SoundSeekApp.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "Software\Classes\Applications\SoundSeekApp.exe\SupportedTypes"; ValueType: string; ValueName: ".wav"; ValueData: ""; Tasks: assoc; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\SoundSeekApp.exe\SupportedTypes"; ValueType: string; ValueName: ".flac"; ValueData: ""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\SoundSeekApp.exe\SupportedTypes"; ValueType: string; ValueName: ".ogg"; ValueData: ""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\SoundSeekApp.exe\SupportedTypes"; ValueType: string; ValueName: ".mp3"; ValueData: ""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\SoundSeekApp.exe\SupportedTypes"; ValueType: string; ValueName: ".aif"; ValueData: ""; Tasks: assoc

[Run]
Filename: "{app}\SoundSeekApp.exe"; Description: "Start SoundSeek"; Flags: nowait postinstall skipifsilent
