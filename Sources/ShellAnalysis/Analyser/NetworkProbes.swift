/// Programs that ask whether one address answers, or that resolve a host name; shared by the sh and
/// cmd readers for the rules about network sweeps and data hidden in host names.
enum NetworkProbes {
    /// Programs that check whether one machine (or one port on it) answers.
    static let probes: Set<String> = [
        "ping", "ping6", "arping", "fping", "hping3", "nc", "ncat", "netcat", "telnet", "traceroute", "tracert",
        "test-connection", "test-netconnection", "tnc", "nslookup", "host", "dig",
    ]
    /// Programs that look a host name up in DNS (or reach it by name, which looks it up).
    static let resolvers: Set<String> = [
        "dig", "nslookup", "host", "drill", "ping", "ping6", "curl", "wget", "nc", "ncat", "netcat", "traceroute",
        "telnet", "resolve-dnsname", "whois",
    ]
    /// Probes that test ports rather than whether a machine is up.
    static let portProbes: Set<String> = ["nc", "ncat", "netcat", "telnet", "test-netconnection", "tnc"]
    // The lists spell programs as `Catalogue.windowsKey` does (`/bin/ping`, `PING.EXE` → `ping`).

    /// The finding for `program` run once per value of a loop, with the loop value in its address.
    static func sweep(_ program: String) -> (techniques: [String], reason: String) {
        let ports = portProbes.contains(Catalogue.windowsKey(program))
        return (ports ? ["T1046"] : ["T1018"],
                "Runs `\(program)` once for each value of a loop, with the value in the address: a sweep that maps which machines\(ports ? " and services" : "") answer on the network.")
    }
}
