/// Turning frame-level unit ids into the deduplicated unit sequences the speech decoder predicts.
public enum UnitSequence {
    /// Collapses runs of a repeated unit: [5, 5, 2, 2, 2, 7] → units [5, 2, 7], durations [2, 3, 1].
    public static func deduplicate(_ frames: [Int32]) -> (units: [Int32], durations: [Int32]) {
        var units: [Int32] = [], durations: [Int32] = []
        guard var current = frames.first else { return (units, durations) }
        units.reserveCapacity(frames.count / 2)
        durations.reserveCapacity(frames.count / 2)
        var run: Int32 = 0
        for unit in frames {
            if unit == current { run += 1; continue }
            units.append(current); durations.append(run)
            current = unit; run = 1
        }
        units.append(current); durations.append(run)
        return (units, durations)
    }

    /// The frame-level sequence again: each unit repeated by its duration.
    public static func expand(units: [Int32], durations: [Int32]) throws -> [Int32] {
        guard units.count == durations.count else {
            throw UnitSequenceError("\(units.count) units but \(durations.count) durations; give one duration per unit")
        }
        if let bad = durations.firstIndex(where: { $0 < 0 }) {
            throw UnitSequenceError("duration \(durations[bad]) at position \(bad) is negative")
        }
        var frames: [Int32] = []
        frames.reserveCapacity(durations.reduce(0) { $0 + Int($1) })
        for (unit, duration) in zip(units, durations) { frames.append(contentsOf: repeatElement(unit, count: Int(duration))) }
        return frames
    }
}

/// A unit sequence that cannot be expanded; the message says what is inconsistent.
public struct UnitSequenceError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
