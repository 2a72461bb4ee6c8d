import Foundation

// MARK: - Arguments and completion

/// What Tab offers for one argument of a command.
public enum CompletionKind: Equatable, Sendable {
    /// Nothing to offer (free text, numbers).
    case none
    /// Paths of files and directories.
    case filePath
    /// Names of run directories in $ECHOX_HOME/runs.
    case runName
    /// One of a fixed list of words.
    case words([String])
    /// A command name (for `help` and `timeit`).
    case commandName
    /// A setting key (for `set`).
    case settingKey
    /// A value for the setting named by the previous argument.
    case settingValue
}

/// One positional argument of a command: its name in usage lines and how to complete it.
public struct ArgumentSpec: Sendable {
    public var name: String
    public var completion: CompletionKind
    public var isOptional: Bool
    /// Takes all remaining words (must be the last argument).
    public var isVariadic: Bool

    public init(_ name: String, completion: CompletionKind = .none, optional: Bool = false, variadic: Bool = false) {
        self.name = name
        self.completion = completion
        self.isOptional = optional
        self.isVariadic = variadic
    }
}

// MARK: - Results

/// A file a command produced (plot, audio, notebook, data); notebooks link to it under the cell.
public struct Artifact: Equatable, Sendable {
    public enum Kind: String, Sendable { case image, audio, notebook, data }
    public var kind: Kind
    public var url: URL
    public var title: String

    public init(_ kind: Kind, _ url: URL, title: String? = nil) {
        self.kind = kind
        self.url = url
        self.title = title ?? url.lastPathComponent
    }
}

/// What a command hands back besides the text it printed.
public struct CommandResult: Sendable {
    public var artifacts: [Artifact]
    /// The command stopped early because the user pressed Ctrl-C.
    public var wasInterrupted: Bool
    /// The session should end (quit/exit).
    public var quit: Bool

    public init(artifacts: [Artifact] = [], wasInterrupted: Bool = false, quit: Bool = false) {
        self.artifacts = artifacts
        self.wasInterrupted = wasInterrupted
        self.quit = quit
    }

    public static let ok = CommandResult()
}

// MARK: - Commands

/// A command of the workbench shell: a thin layer that parses words and calls a library API.
public protocol WorkbenchCommand: AnyObject {
    /// The word typed to run it.
    var name: String { get }
    /// One line such as `plot <metric> [metric…]`.
    var usage: String { get }
    /// One line shown in `help`.
    var summary: String { get }
    /// Longer text shown by `help <command>`.
    var help: String { get }
    /// Positional arguments, used for arity checks and completion.
    var arguments: [ArgumentSpec] { get }
    /// How to complete argument `index` given the words already typed before it.
    func completion(forArgument index: Int, previous: [String]) -> CompletionKind
    /// Runs the command; words exclude the command name. Throw `WorkbenchError` for bad input.
    func run(_ words: [String], in context: CommandContext) throws -> CommandResult
}

extension WorkbenchCommand {
    public var help: String { summary }

    public func completion(forArgument index: Int, previous: [String]) -> CompletionKind {
        defaultCompletion(forArgument: index)
    }

    /// Completion taken from `arguments`, repeating a trailing variadic argument.
    public func defaultCompletion(forArgument index: Int) -> CompletionKind {
        if index < arguments.count { return arguments[index].completion }
        if let last = arguments.last, last.isVariadic { return last.completion }
        return .none
    }

    /// Checks the number of words against `arguments`; throws `usage: …` when it does not fit.
    public func checkArity(_ words: [String]) throws {
        let required = arguments.filter { !$0.isOptional && !$0.isVariadic }.count
        let variadic = arguments.last?.isVariadic ?? false
        if words.count < required || (!variadic && words.count > arguments.count) {
            throw WorkbenchError.usage(usage)
        }
    }
}

// MARK: - Errors

/// Errors of the shell; each description says what went wrong and what to do.
public enum WorkbenchError: Error, CustomStringConvertible, Equatable {
    case unknownCommand(String, suggestion: String?)
    case usage(String)
    case invalidArgument(String)
    case missingFile(String)
    case noJob
    case failed(String)

    public var description: String {
        switch self {
        case .unknownCommand(let name, let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown command '\(name)'\(hint) — type help"
        case .usage(let usage): return "usage: \(usage)"
        case .invalidArgument(let message): return message
        case .missingFile(let path): return "no such file: \(path) — check the path (Tab completes file names)"
        case .noJob: return "no training job is loaded — load one first (type help load)"
        case .failed(let message): return message
        }
    }
}
