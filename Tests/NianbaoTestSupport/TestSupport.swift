import Foundation

/// The package's root folder (this file is Tests/NianbaoTestSupport/TestSupport.swift).
public let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Runs `python3 arguments…` and returns its exit status and its standard output and error, merged.
public func runPython(_ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3"] + arguments
    if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return (p.terminationStatus, out)
}

/// A fresh path under the system temporary directory, `nianbao-<label>-<UUID><suffix>`; nothing is
/// created. Pair it with ``removeScratch(_:)`` in a `defer`.
public func scratchPath(_ label: String, suffix: String = "") -> String {
    NSTemporaryDirectory() + "nianbao-\(label)-\(UUID().uuidString)\(suffix)"
}

/// A fresh, empty directory under the system temporary directory (see ``scratchPath(_:suffix:)``).
public func scratchDirectory(_ label: String) throws -> String {
    let path = scratchPath(label)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Removes a scratch file or directory, with the companions SQLite leaves next to a database.
public func removeScratch(_ path: String) {
    for p in [path, path + "-wal", path + "-shm", path + "-journal"] { try? FileManager.default.removeItem(atPath: p) }
}
