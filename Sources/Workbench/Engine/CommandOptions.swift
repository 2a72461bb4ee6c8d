import Foundation

/// One named option of a command: `name=value` in the shell's style, `--name value` or
/// `--name=value` in the command line's; a flag is `--name` alone (or `name=true`).
public struct OptionSpec: Sendable {
    public var name: String
    public var isFlag: Bool
    public var help: String
    public init(_ name: String, flag: Bool = false, help: String = "") {
        self.name = name
        self.isFlag = flag
        self.help = help
    }
}

/// The options and positional words of one command, parsed from either front end's style by the
/// same table, so the shell and the command line take the same names with the same defaults.
public struct CommandOptions {
    public private(set) var values: [String: String] = [:]
    public private(set) var positional: [String] = []

    /// Parses `words` against `specs`; an unknown option or a missing value is an error with the usage.
    public init(_ words: [String], specs: [OptionSpec], usage: String) throws {
        let byName = Dictionary(specs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let names = specs.map(\.name)
        func unknown(_ key: String) -> WorkbenchError {
            let known = names.isEmpty ? "it takes none" : "options: " + names.map { $0 + "=" }.joined(separator: ", ")
            return WorkbenchError.invalidArgument("unknown option '\(key)' — \(known); usage: \(usage)")
        }
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word.hasPrefix("--") && word.count > 2 {
                var key = String(word.dropFirst(2)), value: String?
                if let equals = key.firstIndex(of: "=") {
                    value = String(key[key.index(after: equals)...])
                    key = String(key[..<equals])
                }
                key = key.replacingOccurrences(of: "-", with: "_")
                guard let spec = byName[key] ?? byName[key.replacingOccurrences(of: "_", with: "-")] else { throw unknown("--\(key)") }
                if value == nil {
                    if spec.isFlag { value = "true" } else {
                        guard index < words.count else { throw WorkbenchError.invalidArgument("--\(key) needs a value; usage: \(usage)") }
                        value = words[index]
                        index += 1
                    }
                }
                try set(spec.name, value!, usage: usage)
            } else if let equals = word.firstIndex(of: "="), equals != word.startIndex, !word.hasPrefix("-") {
                let key = String(word[..<equals])
                guard let spec = byName[key] else {
                    // `metric=…` style words that are not options stay positional (e.g. a condition).
                    if key.contains(where: { "<>".contains($0) }) { positional.append(word); continue }
                    throw unknown(key + "=")
                }
                try set(spec.name, String(word[word.index(after: equals)...]), usage: usage)
            } else {
                positional.append(word)
            }
        }
    }

    private mutating func set(_ key: String, _ value: String, usage: String) throws {
        guard !value.isEmpty else { throw WorkbenchError.invalidArgument("'\(key)=' needs a value; usage: \(usage)") }
        values[key] = value
    }

    public subscript(_ key: String) -> String? { values[key] }

    /// A flag's value: given alone, or as true/false, yes/no, 1/0.
    public func flag(_ key: String) throws -> Bool {
        guard let value = values[key] else { return false }
        switch value.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw WorkbenchError.invalidArgument("\(key) is a flag: give it alone, or \(key)=true|false, not '\(value)'")
        }
    }

    /// A whole number in `range`, or nil when not given.
    public func int(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = values[key] else { return nil }
        guard let value = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(value) else {
            throw WorkbenchError.invalidArgument("\(key) takes a whole number in \(range.lowerBound)…\(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// A number in `range`, or nil when not given.
    public func double(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let text = values[key] else { return nil }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw WorkbenchError.invalidArgument("\(key) takes a number in \(formatNumber(range.lowerBound))…\(formatNumber(range.upperBound)), not '\(text)'")
        }
        return value
    }
}
