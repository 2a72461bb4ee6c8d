import Foundation

/// A notebook that cannot be read, with the line to look at.
public struct NotebookError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }
}

extension Notebook {
    /// Reads a notebook file.
    public static func load(_ url: URL) throws -> Notebook {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw WorkbenchError.missingFile(url.path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw NotebookError(file: url.path, line: 1, message: "not UTF-8 text — notebooks are Markdown files")
        }
        return try parse(text, file: url.path)
    }

    /// Parses Markdown text; `file` names the source in errors.
    public static func parse(_ text: String, file: String = "notebook") throws -> Notebook {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        var blocks: [Block] = []
        var pendingText: [String] = []
        var i = 0
        func flushText() { if !pendingText.isEmpty { blocks.append(.text(pendingText)); pendingText = [] } }

        while i < lines.count {
            guard let open = Fence(opening: lines[i]) else { pendingText.append(lines[i]); i += 1; continue }
            let close = try closingLine(of: open, openedAt: i, in: lines, file: file)
            guard open.info == "echox" else {
                pendingText += lines[i...close]
                i = close + 1
                continue
            }
            flushText()
            var cell = Cell(source: Array(lines[(i + 1)..<close]), line: i + 1)
            if cell.source.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                throw NotebookError(file: file, line: i + 1, message: "empty ```echox cell — put at least one command in it")
            }
            i = close + 1
            // An output block right after the cell (blank lines allowed between) belongs to it.
            var j = i
            while j < lines.count && lines[j].trimmingCharacters(in: .whitespaces).isEmpty { j += 1 }
            if j < lines.count, let outputFence = Fence(opening: lines[j]), outputFence.info == "output" {
                let outputClose = try closingLine(of: outputFence, openedAt: j, in: lines, file: file)
                cell.output = lines[(j + 1)..<outputClose].joined(separator: "\n")
                i = outputClose + 1
                while i < lines.count && isLinkLine(lines[i]) { cell.links.append(lines[i]); i += 1 }
            }
            blocks.append(.cell(cell))
        }
        flushText()
        return Notebook(blocks: blocks)
    }

    /// Index of the line closing `fence`, or an error naming the opening line.
    private static func closingLine(of fence: Fence, openedAt start: Int, in lines: [String], file: String) throws -> Int {
        var k = start + 1
        while k < lines.count {
            if fence.isClosed(by: lines[k]) { return k }
            k += 1
        }
        throw NotebookError(file: file, line: start + 1,
                            message: "code fence \(fence.marker)\(fence.info) is never closed — add a line with \(fence.marker) after the cell")
    }
}

/// A Markdown code fence line: three or more backticks or tildes, then an info string.
struct Fence {
    var character: Character
    var count: Int
    var info: String
    var marker: String { String(repeating: character, count: count) }

    init?(opening line: String) {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        guard let first = rest.first, first == "`" || first == "~" else { return nil }
        let run = rest.prefix { $0 == first }.count
        guard run >= 3 else { return nil }
        let info = rest.dropFirst(run).trimmingCharacters(in: .whitespaces)
        if first == "`" && info.contains("`") { return nil }
        character = first
        count = run
        self.info = info
    }

    /// A closing fence: same character, at least as long, nothing after it.
    func isClosed(by line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= count, line.prefix(while: { $0 == " " }).count <= 3 else { return false }
        return trimmed.allSatisfy { $0 == character }
    }
}
