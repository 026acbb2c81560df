; Inno Setup 6 script for CallReady: a per-user install (no admin rights), Start menu and optional desktop
; shortcut, an uninstaller, and version information taken from the built program (which takes it from the package).
;
;   pyinstaller --noconfirm build.spec                       (makes dist\callready-dir\CallReady.exe and callready-cli.exe)
;   python tools\render_icons.py --all                       (installers\windows\callready.ico; Pillow)
;   iscc installers\windows\callready.iss                    (makes dist\CallReady-<version>-setup.exe)
;
; Silent install for IT (per user, no prompts):  CallReady-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; A callready.toml placed beside the setup program is copied beside CallReady.exe (the IT preset).
; Code signing: uncomment SignTool below and define a sign tool named "signtool" in the IDE or on the command line:
;   iscc "/Ssigntool=signtool.exe sign /fd sha256 /tr http://timestamp.example /td sha256 /f cert.pfx /p PASSWORD $f" ...

#define AppName "CallReady"
#define BuildDir SourcePath + "..\..\dist\callready-dir"
#define AppExe "CallReady.exe"
#define CliExe "callready-cli.exe"
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(BuildDir + "\" + AppExe, "ProductVersion")
#endif

[Setup]
; A fixed AppId keeps upgrades and the uninstaller tied together across versions. Never change it.
AppId={{6C1E3F0A-5B7D-4D2E-9C61-2A8F4E7B9D13}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppName}
AppComments=Is this computer and network ready for browser video interviews?
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppName}
VersionInfoProductVersion={#AppVersion}
VersionInfoDescription={#AppName} setup
; Per-user: no UAC prompt; {autopf} becomes %LOCALAPPDATA%\Programs for a non-admin install.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline dialog
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
SetupIconFile=callready.ico
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
CloseApplications=yes
; SignTool=signtool
; SignedUninstaller=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#BuildDir}\{#AppExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BuildDir}\{#CliExe}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BuildDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs
; IT preset shipped next to the setup program (a newer one replaces the old on upgrade; removed on uninstall).
Source: "{src}\callready.toml"; DestDir: "{app}"; Flags: external skipifsourcedoesntexist ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Check this computer for video interviews"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; CallReady writes nothing into its folder at run time; this only removes Python's byte-code caches if any appear.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
