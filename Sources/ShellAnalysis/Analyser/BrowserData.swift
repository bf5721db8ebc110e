import Foundation

/// The files where browsers keep a user's history, bookmarks and saved sign-ins. Searching the disk
/// for them by name is how they are collected from every profile at once.
enum BrowserData {
    /// File names, lower-cased, with what they hold.
    static let files: [String: String] = [
        "bookmarks": "bookmarks", "bookmarks.plist": "bookmarks", "favorites": "bookmarks",
        "places.sqlite": "history and bookmarks", "history": "history", "history.db": "history",
        "login data": "saved passwords", "logins.json": "saved passwords", "key4.db": "saved passwords",
        "cookies": "sign-in cookies", "cookies.sqlite": "sign-in cookies",
    ]

    /// The browser file an argument names, ignoring quotes, wildcards and folders
    /// (`"*/Safari/Bookmarks.plist"`, `C:\Users\bob\Favorites`).
    static func named(in argument: String) -> (name: String, holds: String)? {
        let trimmed = argument.lowercased().trimmingCharacters(in: .init(charactersIn: "\"'*"))
        let last = trimmed.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? trimmed
        guard let holds = files[last.trimmingCharacters(in: .init(charactersIn: "*"))] else { return nil }
        return (last, holds)
    }

    /// The finding for a search of the disk for `name`.
    static func search(_ name: String, holds: String) -> (risk: RiskLevel, techniques: [String], reason: String) {
        holds == "saved passwords" || holds == "sign-in cookies"
            ? (.high, ["T1555.003"], "searches the disk for `\(name)`, where browsers keep \(holds): how they are collected from every profile at once")
            : (.medium, ["T1217"], "searches the disk for `\(name)`, where browsers keep the user's \(holds): how they are collected from every profile at once")
    }
}
