import Foundation
import XCTest

/// Runs the built `echox` executable (it sits next to the test bundle in the build directory).
enum EchoxRunner {
    /// The echox binary: $ECHOX_BINARY, or the one in the test bundle's build directory.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["ECHOX_BINARY"], !path.isEmpty { return URL(fileURLWithPath: path) }
        var directories = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in directories {
            let candidate = directory.appendingPathComponent("echox")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw NSError(domain: "EchoxTests", code: 1, userInfo: [NSLocalizedDescriptionKey: "echox binary not found next to the tests in \(directories.map(\.path)) — build it or set ECHOX_BINARY"])
    }

    /// The package root (for the committed notebooks).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs echox with `arguments`, feeding `input` on stdin (a pipe, so not a terminal).
    static func run(_ arguments: [String], input: String = "", home: URL, directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ECHOX_HOME"] = home.path
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }
}

/// A fresh temporary directory, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("echox-e2e-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
