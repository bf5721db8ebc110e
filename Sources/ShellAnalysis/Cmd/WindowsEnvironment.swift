/// The environment variables every Windows machine has, with their usual values. Obfuscators cut
/// letters out of these (`%COMSPEC:~-7,1%`), so the readers need their values to see the command.
enum WindowsEnvironment {
    static let user = "user"
    static let values: [String: String] = [
        "COMSPEC": #"C:\Windows\system32\cmd.exe"#,
        "PROGRAMFILES": #"C:\Program Files"#,
        "PROGRAMFILES(X86)": #"C:\Program Files (x86)"#,
        "PROGRAMW6432": #"C:\Program Files"#,
        "COMMONPROGRAMFILES": #"C:\Program Files\Common Files"#,
        "COMMONPROGRAMFILES(X86)": #"C:\Program Files (x86)\Common Files"#,
        "COMMONPROGRAMW6432": #"C:\Program Files\Common Files"#,
        "PROGRAMDATA": #"C:\ProgramData"#,
        "ALLUSERSPROFILE": #"C:\ProgramData"#,
        "SYSTEMROOT": #"C:\Windows"#,
        "WINDIR": #"C:\Windows"#,
        "SYSTEMDRIVE": "C:",
        "HOMEDRIVE": "C:",
        "HOMEPATH": #"\Users\user"#,
        "PUBLIC": #"C:\Users\Public"#,
        "USERPROFILE": #"C:\Users\user"#,
        "APPDATA": #"C:\Users\user\AppData\Roaming"#,
        "LOCALAPPDATA": #"C:\Users\user\AppData\Local"#,
        "TEMP": #"C:\Users\user\AppData\Local\Temp"#,
        "TMP": #"C:\Users\user\AppData\Local\Temp"#,
        "OS": "Windows_NT",
        "PROMPT": "$P$G",
        "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
        "PROCESSOR_ARCHITECTURE": "AMD64",
        "PSMODULEPATH": #"C:\Users\user\Documents\WindowsPowerShell\Modules;C:\Program Files\WindowsPowerShell\Modules;C:\Windows\system32\WindowsPowerShell\v1.0\Modules"#,
        "DRIVERDATA": #"C:\Windows\System32\Drivers\DriverData"#,
    ]

    /// The value of a well-known variable, ignoring case.
    static func value(_ name: String) -> String? { values[name.uppercased()] }
}
