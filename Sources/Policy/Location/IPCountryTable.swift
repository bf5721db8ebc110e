import EscortCore

/// Maps IP addresses to countries, from a CSV of ranges.
///
/// Accepted lines: `start,end,country` where start and end are IPv4 or IPv6 addresses or
/// decimal integers (the shapes of the common free IP-to-country files), with or without
/// quotes; extra columns after the country are ignored; a first line that is a header
/// (`start,end,country`, `ip_from,…`) and lines starting with `#` are skipped. Countries `ZZ`,
/// `-` and empty mean "unassigned" and are skipped. Ranges must not overlap.
public struct IPCountryTable: Sendable {
    struct Range: Sendable {
        var start: IPAddress
        var end: IPAddress
        var country: CountryCode
    }

    private let ranges: [Range]

    /// The number of ranges.
    public var count: Int { ranges.count }

    /// A table that knows no address: every location check falls back to the declared location.
    public static let empty = IPCountryTable(ranges: [])

    private init(ranges: [Range]) { self.ranges = ranges }

    /// Parses the CSV.
    ///
    /// - Throws: ``PolicyError`` `.badIPTable` naming the line: an unreadable address, an
    ///   unknown country code, start after end, or overlapping ranges.
    public static func parse(csv: String) throws(PolicyError) -> IPCountryTable {
        var ranges: [Range] = []
        var lineNumber = 0
        var seenContent = false
        for raw in csv.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { f in
                f.trimmingCharacters(in: " \t\"")
            }
            let first = !seenContent
            seenContent = true
            func bad(_ why: String) -> PolicyError { PolicyError(.badIPTable, why, field: "line \(lineNumber)") }
            guard fields.count >= 3 else { throw bad("want start,end,country, found \(fields.count) field(s)") }
            let start = IPAddress(fields[0]) ?? IPAddress(decimal: fields[0][...])
            let end = IPAddress(fields[1]) ?? IPAddress(decimal: fields[1][...])
            guard let start, let end else {
                if first { continue }  // a header line
                throw bad("cannot read \"\(fields[0])\" or \"\(fields[1])\" as an IP address")
            }
            let cc = fields[2].uppercased()
            if cc.isEmpty || cc == "ZZ" || cc == "-" { continue }
            guard let country = try? CountryCode(validating: cc) else {
                throw bad("unknown country code \"\(fields[2])\" (use ISO 3166-1 alpha-2)")
            }
            guard start.isIPv4 == end.isIPv4, start <= end else {
                throw bad("the range \(start) - \(end) is reversed or mixes IPv4 and IPv6")
            }
            ranges.append(Range(start: start, end: end, country: country))
        }
        ranges.sort { $0.start < $1.start }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.start <= a.end {
            throw PolicyError(
                .badIPTable, "the ranges \(a.start) - \(a.end) (\(a.country)) and \(b.start) - \(b.end) (\(b.country)) overlap")
        }
        return IPCountryTable(ranges: ranges)
    }

    /// The country the table maps `address` to, or nil if it is not an address or not in the table.
    public func country(for address: String) -> CountryCode? {
        IPAddress(address).flatMap(country(for:))
    }

    /// The country the table maps `address` to.
    public func country(for address: IPAddress) -> CountryCode? {
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].start <= address { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, address <= ranges[lo - 1].end else { return nil }
        return ranges[lo - 1].country
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
