import Foundation

/// The analyser's knowledge: programs, sensitive paths and ATT&CK techniques, loaded once from the
/// bundled JSON files.
public struct Catalogue: Sendable {
    public let unixPrograms: [String: ProgramEntry]
    public let windowsPrograms: [String: ProgramEntry]
    public let paths: [PathRule]
    public let techniques: [String: TechniqueEntry]
    public let tactics: [String: String]
    /// The path rules that apply to reading and to writing.
    let readRules: PathRuleIndex
    let writeRules: PathRuleIndex
    /// What the data in each place is (see ``ResourceCatalogueFile``).
    let resourceRules: PathRuleIndex
    /// What calls to cloud and cluster control planes change.
    public let controlPlane: ControlPlaneCatalogue
    /// Flag tables built once per program and sub-command (keyed by platform, name, sub-command).
    let flagTables: [String: FlagTable]

    /// The bundled catalogue. A catalogue that cannot be loaded is a packaging error: every analysis
    /// then fails closed (see `Analyser`).
    public static let bundled: Result<Catalogue, CatalogueError> = {
        do { return .success(try Catalogue.loadBundled()) } catch let e as CatalogueError {
            return .failure(e)
        } catch {
            return .failure(CatalogueError(file: "?", message: "\(error)"))
        }
    }()

    static func loadBundled() throws -> Catalogue {
        let fm = FileManager.default
        let candidates = [Bundle.module.resourceURL, Bundle.module.resourceURL?.appendingPathComponent("Resources")]
            .compactMap { $0 }
        guard let dir = candidates.first(where: { fm.fileExists(atPath: $0.appendingPathComponent("techniques.json").path) })
        else {
            throw CatalogueError(file: "Resources", message: "the analyser's resource folder is missing")
        }
        func read<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
            let url = dir.appendingPathComponent(name)
            do {
                let data = try Data(contentsOf: url)
                return try JSONDecoder().decode(T.self, from: data)
            } catch let error as DecodingError {
                throw CatalogueError(file: name, message: "invalid JSON for the schema: \(error)")
            } catch {
                throw CatalogueError(file: name, message: "cannot be read (\(error.localizedDescription))")
            }
        }
        let unix = try read("programs-unix.json", as: ProgramCatalogueFile.self)
        let windows = try read("programs-windows.json", as: ProgramCatalogueFile.self)
        let paths = try read("paths.json", as: PathCatalogueFile.self)
        let techniques = try read("techniques.json", as: TechniqueCatalogue.self)
        let resources = try read("resources.json", as: ResourceCatalogueFile.self)
        let controlPlane = try read("controlplane.json", as: ControlPlaneCatalogue.self)
        return Catalogue(unix: unix.programs, windows: windows.programs, paths: paths.paths, techniques: techniques, resources: resources.resources, controlPlane: controlPlane)
    }

    public init(
        unix: [ProgramEntry], windows: [ProgramEntry], paths: [PathRule], techniques: TechniqueCatalogue, resources: [PathRule] = [],
        controlPlane: ControlPlaneCatalogue = ControlPlaneCatalogue()
    ) {
        var u: [String: ProgramEntry] = [:]
        for p in unix {
            u[p.name] = u[p.name] ?? p
            for a in p.aliases ?? [] { u[a] = u[a] ?? p }
        }
        var w: [String: ProgramEntry] = [:]
        for p in windows {
            let key = Self.windowsKey(p.name)
            w[key] = w[key] ?? p
            for a in p.aliases ?? [] { w[Self.windowsKey(a)] = w[Self.windowsKey(a)] ?? p }
        }
        self.unixPrograms = u
        self.windowsPrograms = w
        var tables: [String: FlagTable] = [:]
        for (entries, isWindows) in [(unix, false), (windows, true)] {
            for p in entries {
                tables[Self.tableKey(p, nil, isWindows)] = FlagTable(p.flags ?? [], valueOptions: p.valueOptions ?? [], windows: isWindows)
                for sub in p.subcommands ?? [] {
                    tables[Self.tableKey(p, sub, isWindows)] = FlagTable(sub.flags ?? [], valueOptions: p.valueOptions ?? [], windows: isWindows)
                }
            }
        }
        self.flagTables = tables
        self.paths = paths
        self.readRules = PathRuleIndex(paths.filter { $0.access != "write" })
        self.writeRules = PathRuleIndex(paths.filter { $0.access != "read" })
        self.resourceRules = PathRuleIndex(resources)
        self.controlPlane = controlPlane
        var t = techniques.techniques
        // Make every alias resolvable to a name and tactics.
        for (id, entry) in techniques.techniques {
            for alias in entry.aliases ?? [] where t[alias] == nil {
                t[alias] = TechniqueEntry(name: entry.name, tactics: entry.tactics, aliases: [id])
            }
        }
        self.techniques = t
        self.tactics = techniques.tactics
    }

    static func tableKey(_ p: ProgramEntry, _ sub: SubcommandEntry?, _ windows: Bool) -> String {
        (windows ? "w:" : "u:") + p.name + "\u{0}" + (sub?.name ?? "")
    }

    /// The flag table of a program or one of its sub-commands.
    func flagTable(for entry: ProgramEntry, subcommand: SubcommandEntry?, windows: Bool) -> FlagTable {
        flagTables[Self.tableKey(entry, subcommand, windows)]
            ?? FlagTable((subcommand?.flags ?? entry.flags) ?? [], valueOptions: entry.valueOptions ?? [], windows: windows)
    }

    static func windowsKey(_ name: String) -> String {
        var n = name.lowercased()
        if let slash = n.lastIndex(where: { $0 == "\\" || $0 == "/" }) { n = String(n[n.index(after: slash)...]) }
        if n.hasSuffix(".exe") { n.removeLast(4) }
        return n
    }

    /// Looks a Unix program up by the name typed (a path such as `/usr/bin/curl` finds `curl`).
    public func unixProgram(_ name: String) -> ProgramEntry? {
        if let p = unixPrograms[name] { return p }
        if let slash = name.lastIndex(of: "/") {
            let base = String(name[name.index(after: slash)...])
            return unixPrograms[base]
        }
        return nil
    }

    /// Looks a Windows program or cmdlet up, ignoring case, folder and `.exe`.
    public func windowsProgram(_ name: String) -> ProgramEntry? { windowsPrograms[Self.windowsKey(name)] }

    /// The tactics of a technique (sub-techniques fall back to their parent).
    public func tactics(of technique: String) -> [String] {
        if let t = techniques[technique] { return t.tactics }
        if let dot = technique.firstIndex(of: "."), let t = techniques[String(technique[..<dot])] { return t.tactics }
        return []
    }

    public func techniqueName(_ id: String) -> String? {
        techniques[id]?.name ?? id.firstIndex(of: ".").flatMap { techniques[String(id[..<$0])]?.name }
    }

    /// What the data at `path` is: the most specific resource rule it matches (the longest
    /// pattern: `/var/lib/apt/lists/**` before `/var/lib/*/**`), or nil when it is in no place the
    /// resource catalogue names (a relative path: the user's own files).
    public func resource(of path: String) -> PathRule? {
        resourceRules.rules(matching: PathPattern.Prepared(path)).max { $0.pattern.count < $1.pattern.count }
    }

    /// The path rules that match `path` for the given access.
    func pathRules(for path: String, writing: Bool) -> [PathRule] {
        (writing ? writeRules : readRules).rules(matching: PathPattern.Prepared(path))
    }

}

/// The bundled catalogue could not be read.
public struct CatalogueError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "analyser catalogue \(file) could not be loaded: \(message)" }
}
