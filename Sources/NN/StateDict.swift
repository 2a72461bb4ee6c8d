import Tensor

/// Why parameter values could not be loaded into a module: missing, unexpected or mismatched keys.
public struct StateDictError: Error, CustomStringConvertible {
    public let missing: [String]
    public let unexpected: [String]
    public let mismatched: [(name: String, expected: [Int], found: [Int])]

    public var description: String {
        var parts: [String] = []
        if !mismatched.isEmpty {
            parts.append("shape mismatch for " + mismatched.map { "'\($0.name)' (model \($0.expected), given \($0.found))" }.joined(separator: ", "))
        }
        if !missing.isEmpty { parts.append("missing \(missing.count) parameter(s): " + Self.list(missing)) }
        if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected key(s): " + Self.list(unexpected)) }
        return "cannot load parameters: " + parts.joined(separator: "; ")
            + " (check that the checkpoint belongs to this model and configuration; pass strict: false to load a subset)"
    }

    static func list(_ names: [String]) -> String {
        names.prefix(10).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 10 ? ", …" : "")
    }
}

/// What a non-strict load left out.
public struct StateDictLoadReport: Sendable {
    /// Parameters of the module that received no value.
    public let missing: [String]
    /// Given keys that name no parameter of the module.
    public let unexpected: [String]
}

extension Module {
    /// Parameter tensors keyed by dotted path (the live tensors, not copies).
    public var stateDict: [String: Tensor] {
        Dictionary(namedParameters, uniquingKeysWith: { first, _ in first })
    }

    /// Copies `parameters` into this module's parameters (in place, so optimiser references stay valid).
    /// Shapes must match exactly. With `strict`, every parameter must be given and no other key may
    /// appear; otherwise matching keys are loaded and the rest reported. Nothing is copied on error.
    @discardableResult
    public func load(parameters: [String: Tensor], strict: Bool = true) throws -> StateDictLoadReport {
        let own = namedParameters
        let ownNames = Set(own.map(\.0))
        var missing: [String] = []
        var mismatched: [(name: String, expected: [Int], found: [Int])] = []
        for (name, p) in own {
            guard let value = parameters[name] else { missing.append(name); continue }
            if value.shape != p.shape { mismatched.append((name, p.shape, value.shape)) }
        }
        let unexpected = parameters.keys.filter { !ownNames.contains($0) }.sorted()
        if !mismatched.isEmpty || (strict && (!missing.isEmpty || !unexpected.isEmpty)) {
            throw StateDictError(missing: strict ? missing : [], unexpected: strict ? unexpected : [], mismatched: mismatched)
        }
        for (name, p) in own {
            guard let value = parameters[name], value.storage !== p.storage else { continue }
            p.data.update(from: value.data, count: p.count)
        }
        return StateDictLoadReport(missing: missing, unexpected: unexpected)
    }
}
