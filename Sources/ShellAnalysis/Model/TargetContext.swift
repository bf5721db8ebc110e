/// What the registry knows about a target's workload, so the analyser can tell routine work on
/// the target's own application from an attack on the machine (`escort target add … --service app
/// --app-dir /opt/app`).
///
/// Without context (``none``) the defaults stay safe: no service, folder, database or network is
/// assumed to be the target's own.
public struct TargetContext: Sendable, Hashable, Codable {
    /// The target's application services (systemd unit names without `.service`, or container
    /// names): restarting, reloading or querying them is routine.
    public var services: [String]
    /// Folders holding the application's code and data (`/opt/app`, `/srv/www`).
    public var appDirectories: [String]
    /// The target's own databases (names as the database clients take them).
    public var databases: [String]
    /// The target's own internal networks, as CIDR blocks (`10.20.0.0/16`) or host names.
    public var networks: [String]

    public init(services: [String] = [], appDirectories: [String] = [], databases: [String] = [], networks: [String] = []) {
        self.services = services
        self.appDirectories = appDirectories
        self.databases = databases
        self.networks = networks
    }

    /// No context: nothing is assumed to be the target's own.
    public static let none = TargetContext()

    public var isEmpty: Bool { services.isEmpty && appDirectories.isEmpty && databases.isEmpty && networks.isEmpty }
}
