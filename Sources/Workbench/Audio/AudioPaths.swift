import Foundation

// MARK: - Files the audio commands read and write

/// How audio and units commands find their input files and where they write.
enum AudioPaths {
    /// `word` as a file URL: `~` expanded, relative paths taken from the session's working directory.
    static func url(_ word: String, in context: CommandContext) -> URL {
        let expanded = (word as NSString).expandingTildeInPath
        return URL(fileURLWithPath: expanded, relativeTo: context.state.workingDirectory).standardizedFileURL
    }

    /// The audio file a command acts on: `word` when given, else the session's sample (`sample`, `say`).
    static func inputAudio(_ word: String?, in context: CommandContext, usage: String) throws -> URL {
        guard let word else {
            guard let sample = context.state.currentSample else {
                throw WorkbenchError.invalidArgument("no audio file given and no current sample — usage: \(usage) (or choose one with `sample <path>` or `say <text>`)")
            }
            return try existingFile(URL(fileURLWithPath: sample))
        }
        return try existingFile(url(word, in: context))
    }

    /// `url` when it names an existing file (not a directory).
    static func existingFile(_ url: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw WorkbenchError.missingFile(url.path)
        }
        guard !isDirectory.boolValue else { throw WorkbenchError.invalidArgument("\(url.path) is a directory — give an audio file") }
        return url
    }

    /// `runs/<current run>/audio/`, made on first use (a run named `audio-<time>` is started when none is current).
    static func outputFolder(in context: CommandContext) throws -> URL {
        let run = try context.state.ensureRun(prefix: "audio")
        let folder = run.url.appendingPathComponent("audio", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A file-name-safe form of `text`: letters and digits, words joined by '-', at most `limit` characters.
    static func slug(_ text: String, limit: Int = 40) -> String {
        var out = ""
        var pendingDash = false
        for ch in text.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                if pendingDash && !out.isEmpty { out.append("-") }
                out.append(ch)
                pendingDash = false
            } else {
                pendingDash = true
            }
            if out.count >= limit { break }
        }
        return out.isEmpty ? "audio" : out
    }

    /// Splits options (`key=value`, `--key value`) from the other words; only `known` keys are accepted.
    static func options(_ words: [String], known: [String], usage: String) throws -> (options: [String: String], rest: [String]) {
        let parsed = try CommandOptions(words, specs: known.map { OptionSpec($0) }, usage: usage)
        return (parsed.values, parsed.positional)
    }
}
