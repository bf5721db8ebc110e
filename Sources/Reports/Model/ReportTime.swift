import Foundation

/// Dates in reports: parsing the audit log's RFC 3339 times and the user's `--from`/`--to`, and
/// formatting in UTC so that the same inputs always give the same bytes.
public enum ReportTime {
    /// Parses an audit record's time (`2026-11-23T11:26:31.123Z`) or any RFC 3339 date-time.
    public static func parse(_ text: String) -> Date? {
        if let d = parseRecordTime(text) { return d }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }

    /// The audit log's own format, `YYYY-MM-DDTHH:MM:SS.mmmZ` (or without milliseconds), read
    /// directly: a report reads every record's time, and a date formatter per record is slow.
    static func parseRecordTime(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 24 || b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[b.count - 1] == 90 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard (48...57).contains(b[i]) else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 61
        else { return nil }
        var millis = 0
        if b.count == 24 {
            guard b[19] == 46, let ms = number(20, 3) else { return nil }
            millis = ms
        }
        // Days from the civil date (Howard Hinnant's algorithm), so no calendar or time zone is involved.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
    }

    /// `2026-11-23T11:26:31Z`.
    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// `2026-11-23`.
    public static func day(_ date: Date) -> String { String(format(date).prefix(10)) }

    /// A time for people, with its zone named: `2 Nov 2026, 09:00 UTC`.
    public static func readable(_ date: Date) -> String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        var seconds = time_t(Int64((date.timeIntervalSince1970).rounded(.down)))
        var t = tm()
        gmtime_r(&seconds, &t)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(t.tm_mday) \(months[Int(max(0, min(11, t.tm_mon)))]) \(t.tm_year + 1900), \(two(t.tm_hour)):\(two(t.tm_min)) UTC"
    }

    /// ``readable(_:)`` of an RFC 3339 time given as text (a checkpoint's); the text itself if it
    /// does not parse.
    public static func readable(_ text: String) -> String { parse(text).map { readable($0) } ?? text }

    /// Reads a period bound: `2026-11-01` or an RFC 3339 date-time. A bare date means the start of
    /// that day (UTC) for `--from` and the end of it for `--to` (so `--to 2026-11-14` includes the 14th).
    ///
    /// - Throws: ``ReportError`` `.badPeriod` naming the option.
    public static func parseBound(_ text: String, option: String, endOfDay: Bool) throws(ReportError) -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let d = parse(t) { return d }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        f.timeZone = TimeZone(identifier: "UTC")
        // The formatter is lenient (it reads 2026-11-31 as 1 December): accept only real dates.
        if t.count == 10, let d = f.date(from: t), f.string(from: d) == t { return endOfDay ? d.addingTimeInterval(86_400) : d }
        throw ReportError(.badPeriod, "\(option): cannot read \"\(text)\" as a date (use 2026-11-01 or 2026-11-01T09:00:00Z)")
    }
}

/// The half-open interval of time a report covers: `from ..< to`.
public struct ReportPeriod: Sendable, Hashable {
    public var from: Date
    public var to: Date

    /// - Throws: ``ReportError`` `.badPeriod` if `to` is not after `from`.
    public init(from: Date, to: Date) throws(ReportError) {
        guard from < to else {
            throw ReportError(.badPeriod, "the period ends (\(ReportTime.format(to))) before it starts (\(ReportTime.format(from)))")
        }
        self.from = from
        self.to = to
    }

    /// The two weeks before `now`: the Defense Secretary's review period.
    public static func lastFourteenDays(before now: Date) -> ReportPeriod {
        // Cannot fail: 14 days is positive.
        (try? ReportPeriod(from: now.addingTimeInterval(-14 * 86_400), to: now)) ?? ReportPeriod(unchecked: now)
    }

    private init(unchecked now: Date) {
        from = now.addingTimeInterval(-14 * 86_400)
        to = now
    }

    public func contains(_ date: Date) -> Bool { from <= date && date < to }

    /// `2026-11-01T00:00:00Z to 2026-11-15T00:00:00Z`.
    public var description: String { "\(ReportTime.format(from)) to \(ReportTime.format(to))" }

    /// For people: `1 Nov 2026, 00:00 UTC to 15 Nov 2026, 00:00 UTC`.
    public var readable: String { "\(ReportTime.readable(from)) to \(ReportTime.readable(to))" }
}
