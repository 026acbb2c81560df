<#
.SYNOPSIS
  Collect the facts CallReady reads on this Windows PC into one folder, for support and for recorded-input tests
  (tests/data/machines). No admin rights; it only reads; it collects no passwords. Review the folder before sending:
  the Internet Settings export includes the zone site lists.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File collect_machine_facts.ps1 -Out C:\Temp\callready-facts
#>
param([string]$Out = (Join-Path $env:TEMP ("callready-facts-" + (Get-Date -Format "yyyyMMdd-HHmmss"))))

$ErrorActionPreference = "Continue"
New-Item -ItemType Directory -Force -Path $Out | Out-Null

# 1. Registry keys the proxy reader uses (app/net/proxy_os/windows.py KEYS), in one `reg export` file (UTF-16).
$keys = @(
  "HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings",
  "HKLM\Software\Microsoft\Windows\CurrentVersion\Internet Settings\Connections",
  "HKLM\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings",
  "HKCU\SOFTWARE\Policies\Microsoft\Windows\CurrentVersion\Internet Settings",
  "HKLM\SOFTWARE\Policies\Google\Chrome",
  "HKCU\SOFTWARE\Policies\Google\Chrome",
  "HKLM\SOFTWARE\Policies\Microsoft\Edge",
  "HKCU\SOFTWARE\Policies\Microsoft\Edge"
)
$lines = @("Windows Registry Editor Version 5.00", "")
$tmp = Join-Path $Out "part.reg"
foreach ($key in $keys) {
  reg export $key $tmp /y 2>$null | Out-Null
  if ($LASTEXITCODE -eq 0 -and (Test-Path $tmp)) {
    $lines += Get-Content -Encoding Unicode $tmp | Select-Object -Skip 1
    Remove-Item $tmp
  } else {
    $lines += "; $key not present"
  }
}
# Only what the readers use from HKLM Internet Settings (not its whole tree).
$machine = "HKLM\Software\Microsoft\Windows\CurrentVersion\Internet Settings"
$lines += "", "[HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Internet Settings]"
foreach ($name in "ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL", "AutoDetect") {
  $value = (Get-ItemProperty -Path "Registry::$machine" -Name $name -ErrorAction SilentlyContinue).$name
  if ($null -ne $value) {
    if ($value -is [int]) { $lines += ('"{0}"=dword:{1:x8}' -f $name, $value) }
    else { $lines += ('"{0}"="{1}"' -f $name, ($value -replace '\\', '\\' -replace '"', '\"')) }
  }
}
Set-Content -Encoding Unicode -Path (Join-Path $Out "internet-settings.reg") -Value $lines

# 2. WinHTTP's own settings, adapters with their state, DNS servers per adapter, Windows build.
netsh winhttp show proxy | Out-File -Encoding utf8 (Join-Path $Out "netsh-winhttp.txt")
Get-NetAdapter -IncludeHidden |
  Select-Object Name, InterfaceDescription, ifIndex, Status, InterfaceOperationalStatus, InterfaceType, MediaConnectionState |
  ConvertTo-Json | Out-File -Encoding utf8 (Join-Path $Out "get-netadapter.json")
ipconfig /all | Out-File -Encoding utf8 (Join-Path $Out "ipconfig-all.txt")
cmd /c ver | Out-File -Encoding utf8 (Join-Path $Out "ver.txt")

Write-Output "CallReady machine facts written to $Out"
