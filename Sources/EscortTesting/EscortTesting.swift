/// Test fixtures and helpers shared by the test targets and benchmarks.
///
/// - ``TemporaryDirectory``: a fresh directory removed when released.
/// - ``BuiltProduct``: finds executables built next to the test bundle.
/// - ``ChildProcess``: runs a built executable and captures its output.
