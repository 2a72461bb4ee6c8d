import Foundation

extension Subprocess {
    /// A program that did not do what it was asked; the message says what to do.
    public struct Failure: Error, CustomStringConvertible, LocalizedError {
        public let description: String
        public init(_ description: String) { self.description = description }
        public var errorDescription: String? { description }
    }

    /// Runs `program` and returns its result when it exits with status 0; otherwise throws a
    /// `Failure` naming the program, how it ended and the end of what it wrote to stderr.
    /// `install` is how to get the program when it is missing (e.g. "apt-get install flite").
    @discardableResult
    public static func runChecked(_ program: String, arguments: [String] = [], input: Data = Data(),
                                  environment: [String: String]? = nil, timeout: Double,
                                  install: String? = nil) throws -> Result {
        let hint = install.map { " — install it with `\($0)`" } ?? ""
        if !program.contains("/") && which(program) == nil {
            throw Failure("\(program) is not installed (not on PATH)\(hint)")
        }
        let result: Result
        do {
            result = try run(program, arguments: arguments, input: input, environment: environment, timeout: timeout)
        } catch {
            throw Failure("cannot start \(program): \(error)\(hint)")
        }
        switch result.ending {
        case .exited(0): return result
        case .exited(let code):
            throw Failure("\(program) exited with status \(code)\(tail(result.stderr))")
        case .signalled(let signal):
            throw Failure("\(program) was killed by signal \(signal)\(tail(result.stderr))")
        case .timedOut:
            throw Failure("\(program) did not finish within \(Int(timeout)) s and was stopped")
        case .interrupted:
            throw Failure("\(program) was stopped by Ctrl-C")
        }
    }

    /// The full path of `program` on PATH (or `searchPath`), or nil.
    public static func which(_ program: String, searchPath: String? = nil) -> String? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The last lines a program wrote to stderr, for error messages ("" when it wrote none).
    public static func tail(_ stderr: Data, lines: Int = 5) -> String {
        let text = String(decoding: stderr, as: UTF8.self).split(separator: "\n").suffix(lines)
        return text.isEmpty ? "" : ":\n" + text.map { "  " + $0 }.joined(separator: "\n")
    }
}
