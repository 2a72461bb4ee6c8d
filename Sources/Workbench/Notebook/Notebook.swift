import Foundation
import Formats

/// A Markdown notebook: text with ```echox cells, each optionally followed by its ```output block
/// and, right after that block, one line per produced file (`![title](path)` or `[title](path)`).
public struct Notebook: Equatable {
    /// One command cell.
    public struct Cell: Equatable {
        /// Command lines of the cell.
        public var source: [String]
        /// 1-based line of the opening fence in the file it was read from (0 when made in memory).
        public var line: Int
        /// Text of the output block, without fences (nil when the cell has not run).
        public var output: String?
        /// Links to produced files, already as Markdown lines.
        public var links: [String]

        public init(source: [String], line: Int = 0, output: String? = nil, links: [String] = []) {
            self.source = source
            self.line = line
            self.output = output
            self.links = links
        }
    }

    public enum Block: Equatable {
        /// Markdown kept verbatim (lines without their newline).
        case text([String])
        case cell(Cell)
    }

    public var blocks: [Block]

    public init(blocks: [Block]) { self.blocks = blocks }

    /// Indices into `blocks` of the cells, in order.
    public var cellIndices: [Int] { blocks.indices.filter { if case .cell = blocks[$0] { return true } else { return false } } }

    // MARK: Rendering

    /// The Markdown text of the notebook.
    public func render() -> String {
        var lines: [String] = []
        for block in blocks {
            switch block {
            case .text(let text): lines += text
            case .cell(let cell):
                let fence = Notebook.fence(for: cell.source.joined(separator: "\n"))
                lines.append(fence + "echox")
                lines += cell.source
                lines.append(fence)
                if let output = cell.output {
                    let body = output.hasSuffix("\n") ? String(output.dropLast()) : output
                    let outputFence = Notebook.fence(for: body)
                    lines.append(outputFence + "output")
                    if !body.isEmpty { lines.append(body) }
                    lines.append(outputFence)
                    lines += cell.links
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the notebook atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(Data(render().utf8), to: url)
    }

    /// A backtick fence longer than any run of backticks in `body`.
    static func fence(for body: String) -> String {
        var longest = 0, run = 0
        for ch in body { if ch == "`" { run += 1; longest = max(longest, run) } else { run = 0 } }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    // MARK: Links

    /// Artifacts larger than this stay where they are (linked by their path) instead of being copied.
    static let copyLimit = 16 << 20

    /// The folder beside the notebook at `url` that holds copies of its artifacts (`<name>.files`).
    public static func filesFolder(of url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(url.deletingPathExtension().lastPathComponent + ".files", isDirectory: true)
    }

    /// `artifact` of cell `cell`, or its copy in the notebook's files folder when it lies outside the
    /// notebook's folder (plots and audio under ECHOX_HOME) and is small enough, so that the links keep
    /// working when the notebook is moved, shared or committed. Copies are named after the cell.
    static func kept(_ artifact: Artifact, notebook url: URL, cell: Int) -> Artifact {
        let source = artifact.url.standardizedFileURL, folder = url.deletingLastPathComponent().standardizedFileURL
        guard !source.path.hasPrefix(folder.path + "/"),
              let size = (try? FileManager.default.attributesOfItem(atPath: source.path))?[.size] as? Int,
              size <= copyLimit else { return artifact }
        let files = filesFolder(of: url)
        let copy = files.appendingPathComponent(String(format: "%02d-", cell) + source.lastPathComponent)
        do {
            try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: copy)
            try FileManager.default.copyItem(at: source, to: copy)
        } catch {
            return artifact
        }
        var kept = artifact
        kept.url = copy
        return kept
    }

    /// The link lines of cell `cell`'s artifacts in the notebook at `url`, each as `kept` places it.
    static func links(for artifacts: [Artifact], notebook url: URL, cell: Int) -> [String] {
        artifacts.map { link(for: kept($0, notebook: url, cell: cell), relativeTo: url.deletingLastPathComponent()) }
    }

    /// The Markdown line that links an artifact, with its path relative to `directory` when inside it.
    public static func link(for artifact: Artifact, relativeTo directory: URL) -> String {
        let path = relativePath(artifact.url, from: directory)
        let target = path.contains(" ") ? "<\(path)>" : path
        return artifact.kind == .image ? "![\(artifact.title)](\(target))" : "[\(artifact.title)](\(target))"
    }

    /// `url` relative to `directory` (with `../` steps when they share a prefix), else absolute.
    static func relativePath(_ url: URL, from directory: URL) -> String {
        let target = url.standardizedFileURL.pathComponents
        let base = directory.standardizedFileURL.pathComponents
        var common = 0
        while common < min(target.count, base.count) && target[common] == base[common] { common += 1 }
        guard common > 1 else { return url.standardizedFileURL.path }
        let ups = base.count - common
        if ups > 3 { return url.standardizedFileURL.path }
        return (Array(repeating: "..", count: ups) + target[common...]).joined(separator: "/")
    }

    /// True for a line that is a single Markdown link or image.
    static func isLinkLine(_ line: String) -> Bool {
        let text = line.hasPrefix("!") ? String(line.dropFirst()) : line
        guard text.hasPrefix("["), text.hasSuffix(")"), let close = text.range(of: "](") else { return false }
        return !text[close.upperBound...].dropLast().contains(")") && !text[..<close.lowerBound].contains("]")
    }

    // MARK: From a session

    /// A notebook with one cell per transcript entry, to be written at `url` (used by `save session`);
    /// artifacts are kept beside it as `kept` does.
    public static func fromTranscript(_ entries: [TranscriptEntry], title: String, notebook url: URL) -> Notebook {
        var blocks: [Block] = [.text(["# \(title)", "", "Saved from the echox shell; replay with `echox run`.", ""])]
        try? FileManager.default.removeItem(at: filesFolder(of: url))
        for (index, entry) in entries.enumerated() {
            let output = entry.failed ? Notebook.errorFirst(entry.output) : entry.output
            blocks.append(.cell(Cell(source: [entry.input], output: output,
                                     links: links(for: entry.artifacts, notebook: url, cell: index + 1))))
            if index < entries.count - 1 { blocks.append(.text([""])) }
        }
        return Notebook(blocks: blocks)
    }

    /// Moves the last `error: …` line of an output to the front, so failed cells start with it.
    static func errorFirst(_ output: String) -> String {
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let index = lines.lastIndex(where: { $0.hasPrefix("error: ") }) else { return "error: failed\n" + output }
        let error = lines.remove(at: index)
        return ([error] + lines).joined(separator: "\n") + "\n"
    }
}
