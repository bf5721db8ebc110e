import Foundation

/// Dates as people type them in the registry: `2027-06-30` or ISO 8601 date-times.
public enum RegistryDate {
    /// Parses `2027-06-30` (the END of that day, UTC: valid through the 30th) or an ISO 8601
    /// date-time such as `2027-06-30T12:00:00Z` or `2027-06-30T12:00:00+02:00`.
    ///
    /// - Throws: ``RegistryError`` `.invalidDate` naming `field`.
    public static func parse(_ text: String, field: String, dateMeansEndOfDay: Bool = true) throws(RegistryError) -> Date {
        let t = text.trimmingASCIIWhitespace()
        let withTime = ISO8601DateFormatter()
        withTime.formatOptions = [.withInternetDateTime]
        if let d = withTime.date(from: t) { return d }
        withTime.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = withTime.date(from: t) { return d }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        dateOnly.timeZone = TimeZone(identifier: "UTC")
        if t.count == 10, let d = dateOnly.date(from: t) { return dateMeansEndOfDay ? d.addingTimeInterval(86_400) : d }
        throw RegistryError(
            .invalidDate, "\(field): cannot read \"\(text)\" as a date (use 2027-06-30 or 2027-06-30T12:00:00Z)",
            field: field)
    }

    /// `2027-06-30T12:00:00Z`.
    public static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}
