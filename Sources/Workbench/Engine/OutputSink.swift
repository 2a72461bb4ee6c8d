import Foundation

// MARK: - Sinks

/// Where command output goes: the terminal in the REPL, a buffer in notebooks and tests.
public protocol OutputSink: AnyObject {
    /// Writes text (callers include the trailing newline).
    func write(_ text: String)
    /// Replaces the current progress line (a single updating line on a terminal).
    func progress(_ line: String)
    /// Ends the progress line, keeping its last state visible.
    func endProgress()
}

/// Prints to standard output; progress redraws one line when stdout is a terminal.
public final class StandardOutputSink: OutputSink {
    private let isTerminal: Bool
    private var progressShown = false
    private var lastProgress = ""

    public init(isTerminal: Bool = isatty(STDOUT_FILENO) != 0) {
        self.isTerminal = isTerminal
    }

    public func write(_ text: String) {
        if progressShown { endProgress() }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    public func progress(_ line: String) {
        lastProgress = line
        guard isTerminal else { return }
        progressShown = true
        FileHandle.standardOutput.write(Data("\r\u{1B}[2K\(line)".utf8))
    }

    public func endProgress() {
        if isTerminal {
            if progressShown { FileHandle.standardOutput.write(Data("\n".utf8)) }
        } else if !lastProgress.isEmpty {
            FileHandle.standardOutput.write(Data("\(lastProgress)\n".utf8))
        }
        progressShown = false
        lastProgress = ""
    }
}

/// Collects output in memory; the final state of each progress line is kept as a line of text.
public final class CapturingSink: OutputSink {
    public private(set) var text = ""
    private var pendingProgress = ""

    public init() {}

    public func write(_ text: String) {
        endProgress()
        self.text += text
    }

    public func progress(_ line: String) { pendingProgress = line }

    public func endProgress() {
        if !pendingProgress.isEmpty { text += pendingProgress + "\n" }
        pendingProgress = ""
    }

    /// Returns the collected text and starts afresh.
    public func take() -> String {
        endProgress()
        defer { text = "" }
        return text
    }
}

/// Sends everything to two sinks (the session records what a command printed while showing it).
final class TeeSink: OutputSink {
    let primary: OutputSink
    let recorder = CapturingSink()

    init(_ primary: OutputSink) { self.primary = primary }

    func write(_ text: String) { primary.write(text); recorder.write(text) }
    func progress(_ line: String) { primary.progress(line); recorder.progress(line) }
    func endProgress() { primary.endProgress(); recorder.endProgress() }
}
