import CReadline
import Foundation
import Formats
import Workbench

/// A source of command lines; nil means end of input.
protocol LineReader {
    func readLine(prompt: String) -> String?
}

/// Reads lines from a pipe or file (no prompt), so scripts can feed commands.
struct PlainLineReader: LineReader {
    func readLine(prompt: String) -> String? { Swift.readLine(strippingNewline: true) }
}

// MARK: - Readline

/// State shared with readline's C callbacks (they cannot capture Swift context).
private enum ReadlineBridge {
    nonisolated(unsafe) static var completer: Completer?
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var candidateIndex = 0
    nonisolated(unsafe) static var line: String?
    nonisolated(unsafe) static var lineDone = false

    /// Called by readline with each finished line (NULL at end of input).
    static let lineHandler: @convention(c) (UnsafeMutablePointer<CChar>?) -> Void = { pointer in
        if let pointer {
            ReadlineBridge.line = String(cString: pointer)
            free(pointer)
        } else {
            ReadlineBridge.line = nil
        }
        ReadlineBridge.lineDone = true
        rl_callback_handler_remove()
    }

    /// Hands readline one candidate per call (readline frees them).
    static let generator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = { _, state in
        if state == 0 { ReadlineBridge.candidateIndex = 0 }
        guard ReadlineBridge.candidateIndex < ReadlineBridge.candidates.count else { return nil }
        defer { ReadlineBridge.candidateIndex += 1 }
        return strdup(ReadlineBridge.candidates[ReadlineBridge.candidateIndex])
    }

    /// Completes the word before the cursor from the whole line up to it.
    static let attempt: @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, _, end in
        echox_rl_set_attempted_completion_over(1)
        guard let completer = ReadlineBridge.completer, let buffer = echox_rl_line_buffer() else { return nil }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(max(0, end)))
        let prefix = String(decoding: bytes, as: UTF8.self)
        ReadlineBridge.candidates = completer.complete(prefix)
        if ReadlineBridge.candidates.count == 1, ReadlineBridge.candidates[0].hasSuffix("/") {
            echox_rl_set_completion_suppress_append(1)
        }
        guard !ReadlineBridge.candidates.isEmpty, let text else { return nil }
        return rl_completion_matches(text, ReadlineBridge.generator)
    }
}

/// Line editing with GNU readline: persistent history, Ctrl-R search, Tab completion; Ctrl-C
/// at the prompt clears the line. Uses readline's callback interface so that a SIGINT (which
/// only sets `Interrupt`'s flag) wakes the input wait and is handled outside the signal handler.
final class ReadlineReader: LineReader {
    let historyURL: URL
    /// Lines of the history file as it was when the shell started, oldest first.
    let previousLines: [String]

    init(historyURL: URL, completer: Completer) {
        self.historyURL = historyURL
        let text = (try? String(contentsOf: historyURL, encoding: .utf8)) ?? ""
        previousLines = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        echox_rl_set_readline_name()
        echox_rl_set_catch_signals(0)
        echox_rl_use_blank_word_breaks()
        echox_rl_set_attempted_completion_function(ReadlineBridge.attempt)
        ReadlineBridge.completer = completer
        using_history()
        stifle_history(2000)
        _ = read_history(historyURL.path)
    }

    func readLine(prompt: String) -> String? {
        ReadlineBridge.lineDone = false
        ReadlineBridge.line = nil
        Interrupt.clear()
        rl_callback_handler_install(prompt, ReadlineBridge.lineHandler)
        while !ReadlineBridge.lineDone {
            if Interrupt.isPending {
                Interrupt.clear()
                clearLine()
                continue
            }
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                rl_callback_handler_remove()
                return nil
            }
            rl_callback_read_char()
        }
        guard let line = ReadlineBridge.line else { return nil }
        remember(line)
        return line
    }

    /// Ctrl-C at the prompt: drop what was typed and show a fresh prompt.
    private func clearLine() {
        rl_callback_sigcleanup()
        rl_free_line_state()
        rl_replace_line("", 1)
        echox_rl_set_point(0)
        FileHandle.standardOutput.write(Data("^C".utf8))
        rl_crlf()
        rl_on_new_line()
        rl_redisplay()
    }

    /// Adds a line to the history and saves the history file (temp file + rename).
    private func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        add_history(line)
        try? FileManager.default.createDirectory(at: historyURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temp = historyURL.deletingLastPathComponent().appendingPathComponent(".history.tmp-\(getpid())")
        if write_history(temp.path) == 0 {
            rename(temp.path, historyURL.path)
        }
    }
}
