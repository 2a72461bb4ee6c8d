import Foundation
import XCTest

/// `.ci/setup` must install every program the code and the tests start, and every Python package
/// the plugins and test scripts import, so that a fresh machine passes without anything installed by hand.
final class SetupTests: XCTestCase {
    /// Debian package of each program started by name (audio players are optional: without one,
    /// `play` says where the file is).
    static let packageOfProgram = ["flite": "flite", "espeak-ng": "espeak-ng", "text2wave": "festival", "gnuplot": "gnuplot-nox",
                                   "sox": "sox", "python3": "python3"]

    /// Programs every Debian system has (essential packages).
    static let essential: Set<String> = ["cat", "sh", "bash", "env", "true", "false", "sleep", "echo"]

    var root: URL { EchoxRunner.packageRoot }

    func files(under folder: String, ending suffix: String, excluding: [String] = []) -> [URL] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { url in
            url.path.hasSuffix(suffix) && !excluding.contains { url.path.contains($0) }
        }
    }

    func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Programs the Swift sources and tests start: the first word given to the process runner or to a Process.
    func spawnedPrograms() throws -> Set<String> {
        var found = Set<String>()
        let patterns = [#"(?:runChecked|runTool|Subprocess\.run|Subprocess\.which)\(\s*"([A-Za-z0-9._+-]+)""#,
                        #"(?<![A-Za-z.])run\(\s*"([a-z][a-z0-9-]*)""#, #"(?<![A-Za-z.])run\(\s*\[\s*"([a-z][a-z0-9-]*)""#,
                        #"arguments = \[\s*"([a-z][a-z0-9-]*)""#,
                        #"environment\["ECHOX_[A-Z]+"\].*\?\? "([a-z][a-z0-9-]*)""#]
        for url in files(under: "Sources", ending: ".swift") + files(under: "Tests", ending: ".swift", excluding: ["/Benchmarks/"]) {
            let text = try String(contentsOf: url, encoding: .utf8)
            for pattern in patterns { found.formUnion(matches(pattern, in: text)) }
        }
        return found
    }

    func setupScript() throws -> String { try String(contentsOf: root.appendingPathComponent(".ci/setup"), encoding: .utf8) }

    func testEverySpawnedProgramIsInstalledBySetup() throws {
        let setup = try setupScript()
        let debian = Set(try XCTUnwrap(matches(#"debian_packages=\(([^)]*)\)"#, in: setup).first).split(separator: " ").map(String.init))
        let programs = try spawnedPrograms()
        XCTAssertTrue(programs.isSuperset(of: ["flite", "espeak-ng", "gnuplot", "python3", "sox"]), "the scan finds the known programs: \(programs.sorted())")
        for program in programs.subtracting(Self.essential).sorted() {
            guard let package = Self.packageOfProgram[program] else {
                XCTFail("\(program) is started by the code or a test but has no Debian package here: add it to .ci/setup and to SetupTests.packageOfProgram")
                continue
            }
            XCTAssertTrue(debian.contains(package), "\(program) comes from the Debian package \(package), which .ci/setup does not install")
        }
    }

    func testEveryImportedPythonPackageIsInstalledBySetup() throws {
        let setup = try setupScript()
        let installed = Set(try XCTUnwrap(matches(#"for m in ([a-z0-9_ ]+); do"#, in: setup).first).split(separator: " ").map(String.init))
        let stdlib = try pythonStandardModules()
        // `make_*.py` scripts write the committed fixtures from reference implementations; tests never run them.
        let scripts = (files(under: "plugins", ending: ".py") + files(under: "Tests", ending: ".py", excluding: ["/Benchmarks/"]))
            .filter { !$0.lastPathComponent.hasPrefix("make_") }
        XCTAssertFalse(scripts.isEmpty)
        let local = Set(scripts.map { $0.deletingPathExtension().lastPathComponent })
        for script in scripts {
            let text = try String(contentsOf: script, encoding: .utf8)
            let modules = matches(#"(?m)^\s*(?:import|from)\s+([A-Za-z_][A-Za-z0-9_]*)"#, in: text)
            for module in Set(modules) where !stdlib.contains(module) && !local.contains(module) {
                XCTAssertTrue(installed.contains(module), "\(script.lastPathComponent) imports \(module), which .ci/setup does not pip install")
            }
        }
    }

    /// Names of Python's standard modules, from the interpreter itself.
    func pythonStandardModules() throws -> Set<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys; print('\\n'.join(sys.stdlib_module_names))"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return Set(String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    /// No test and no benchmark README names a path of one particular machine.
    func testNoMachinePathsInTestsOrBenchmarkNotes() throws {
        let sources = files(under: "Tests", ending: ".swift") + files(under: "Tests/Benchmarks", ending: ".md")
            + files(under: "Tests/Benchmarks", ending: ".sh") + files(under: "Tests/Benchmarks", ending: ".py")
        for url in sources where url.lastPathComponent != "SetupTests.swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for machinePath in ["/work/", "/home/", "/Users/"] {
                XCTAssertFalse(text.contains(machinePath), "\(url.lastPathComponent) names the machine path \(machinePath)")
            }
        }
    }

    /// Each shell command the command line offers exists in the shell, and its help is the shell's.
    func testCommandLineOffersTheShellsCommands() throws {
        let home = try temporaryDirectory(self)
        for name in ["chat", "model", "corpus", "units", "say", "play", "train", "transcribe", "eval"] {
            let result = try EchoxRunner.run([name, "--help"], home: home)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.hasPrefix("usage: \(name)"), "echox \(name) --help shows the shell's usage:\n\(result.stdout)")
        }
    }
}
