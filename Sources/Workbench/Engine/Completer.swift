import Foundation

/// Computes Tab completions for a partial command line.
public struct Completer {
    public let session: WorkbenchSession

    public init(session: WorkbenchSession) { self.session = session }

    /// Candidates that replace the last (partial) word of `line`; directories end in "/".
    public func complete(_ line: String) -> [String] {
        let words = Words.splitForCompletion(line)
        let partial = words.last ?? ""
        if words.count <= 1 {
            return session.registry.allNames.filter { $0.hasPrefix(partial) }
        }
        return completeArgument(words: Array(words.dropLast()), partial: partial)
    }

    /// Candidates for one argument, given the words before it (command name first).
    func completeArgument(words: [String], partial: String) -> [String] {
        guard let command = session.registry.command(named: words[0]) else { return [] }
        let previous = Array(words.dropFirst())
        // `help x` and `timeit x …` complete the inner command line.
        if command.name == "timeit" { return complete(previous.joined(separator: " ") + " " + partial).filter { !$0.isEmpty } }
        let kind = command.completion(forArgument: previous.count, previous: previous)
        return candidates(kind, partial: partial, previous: previous)
    }

    /// Candidates of one completion kind that start with `partial`.
    public func candidates(_ kind: CompletionKind, partial: String, previous: [String] = []) -> [String] {
        let all: [String]
        switch kind {
        case .none: return []
        case .filePath: return Completer.paths(matching: partial)
        case .runName: all = session.state.runNames()
        case .words(let words): all = words
        case .commandName: all = session.registry.allNames
        case .settingKey: all = session.state.settings.keys
        case .settingValue:
            let key = previous.last ?? ""
            all = session.state.settings.specs[key]?.suggestions ?? []
        }
        return all.filter { $0.hasPrefix(partial) }.sorted()
    }

    /// Files and directories whose path starts with `partial` (relative to the current directory, `~` expanded).
    public static func paths(matching partial: String) -> [String] {
        let slash = partial.lastIndex(of: "/")
        let dirPart = slash.map { String(partial[...$0]) } ?? ""
        let namePart = slash.map { String(partial[partial.index(after: $0)...]) } ?? partial
        var dirPath = dirPart.isEmpty ? "." : dirPart
        if dirPath.hasPrefix("~") { dirPath = (dirPath as NSString).expandingTildeInPath }
        guard let items = try? FileManager.default.contentsOfDirectory(atPath: dirPath) else { return [] }
        return items.filter { $0.hasPrefix(namePart) && (namePart.hasPrefix(".") || !$0.hasPrefix(".")) }
            .sorted()
            .map { name in
                var isDir: ObjCBool = false
                let full = (dirPath as NSString).appendingPathComponent(name)
                _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
                return dirPart + name + (isDir.boolValue ? "/" : "")
            }
    }
}
