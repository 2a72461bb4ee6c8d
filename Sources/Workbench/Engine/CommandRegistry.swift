import Foundation
import Tensor

/// The commands a session knows, by name (aliases map to the same command).
public final class CommandRegistry {
    private var byName: [String: WorkbenchCommand] = [:]
    private var order: [String] = []
    private var aliases: [String: String] = [:]

    public init() {}

    /// Adds a command; a later registration with the same name replaces the earlier one.
    public func register(_ command: WorkbenchCommand, aliases extra: [String] = []) {
        if byName[command.name] == nil { order.append(command.name) }
        byName[command.name] = command
        for alias in extra { aliases[alias] = command.name }
    }

    /// Adds something `load <kind>` can load (a model, a trainer) to the `load` command.
    public func registerLoader(_ loader: Loader) {
        if let load = command(named: "load") as? LoadCommand {
            load.register(loader)
        } else {
            register(LoadCommand(loaders: [loader]))
        }
    }

    /// Removes a command (plugins are re-registered when rediscovered).
    public func unregister(_ name: String) {
        byName[name] = nil
        order.removeAll { $0 == name }
        aliases = aliases.filter { $0.value != name }
    }

    public func command(named name: String) -> WorkbenchCommand? {
        byName[name] ?? aliases[name].flatMap { byName[$0] }
    }

    /// Commands in registration order.
    public var commands: [WorkbenchCommand] { order.compactMap { byName[$0] } }

    /// Every name Tab should offer at the start of a line.
    public var allNames: [String] { (order + aliases.keys).sorted() }

    /// The closest known name (edit distance ≤ 2), for "did you mean".
    public func suggestion(for name: String) -> String? {
        var best: (String, Int)?
        for candidate in allNames {
            let d = editDistance(name, candidate)
            if d <= 2, best == nil || d < best!.1 { best = (candidate, d) }
        }
        return best?.0
    }
}

/// Levenshtein distance between two short strings.
func editDistance(_ a: String, _ b: String) -> Int { EditDistance.distance(Array(a), Array(b)) }
