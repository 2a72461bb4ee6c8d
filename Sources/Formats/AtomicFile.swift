import Foundation

/// Writes files so that a reader sees either the old file or the complete new one:
/// the bytes go to a temporary file in the same directory, which is then renamed.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                    NSLocalizedDescriptionKey: "could not move \(temp.path) to \(url.path): \(String(cString: strerror(errno)))"])
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }
}

/// Where the workbench keeps models, corpora and runs: $ECHOX_HOME, default ~/.echox.
public enum EchoXHome {
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["ECHOX_HOME"], !env.isEmpty {
            return URL(fileURLWithPath: env, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".echox", isDirectory: true)
    }
    public static var models: URL { root.appendingPathComponent("models", isDirectory: true) }
    public static var corpora: URL { root.appendingPathComponent("corpora", isDirectory: true) }
    public static var runs: URL { root.appendingPathComponent("runs", isDirectory: true) }

    /// A name (a folder under `root`, e.g. a run under `runs`) or a path: anything with a `/` is a path.
    public static func location(_ nameOrPath: String, under root: URL) -> URL {
        guard nameOrPath.contains("/") else { return root.appendingPathComponent(nameOrPath, isDirectory: true) }
        return URL(fileURLWithPath: (nameOrPath as NSString).expandingTildeInPath).standardizedFileURL
    }
}
