; NSIS additions of the Windows installer (electron-builder.yml nsis.include).
; crvideo://call/UID links: electron-builder's `protocols` fills in macOS Info.plist and the Linux .desktop
; file only, so the installer registers the scheme itself (per user or per machine, as installed:
; SHELL_CONTEXT) and the uninstaller removes it again.

!macro customInstall
  WriteRegStr SHELL_CONTEXT "Software\Classes\crvideo" "" "URL:CRVideo Phone call"
  WriteRegStr SHELL_CONTEXT "Software\Classes\crvideo" "URL Protocol" ""
  WriteRegStr SHELL_CONTEXT "Software\Classes\crvideo\DefaultIcon" "" "$appExe,0"
  WriteRegStr SHELL_CONTEXT "Software\Classes\crvideo\shell\open\command" "" '"$appExe" "%1"'
!macroend

!macro customUnInstall
  DeleteRegKey SHELL_CONTEXT "Software\Classes\crvideo"
!macroend
