extension ModerationHub {
    /// Takes `name` off session `id` wherever they watch it (here or through another node),
    /// as escort or reviewer: the registry says they may no longer. Each watcher's view ends
    /// with `why`; the engineer and the others are told.
    public func dismiss(_ name: String, from id: String, why: String) {
        guard let entry = sessions[id] else { return }
        let tokens = entry.watchers.filter { $0.value.user.name == name }.map(\.key)
            + entry.remoteWatchers.filter { $0.value.user.name == name }.map(\.key)
        for token in tokens {
            if let w = entry.watchers[token] { w.stream.yield(.ended("you \(why)")) }
            release(token, from: id, why: why)
        }
    }
}
