import Foundation
import Tensor

/// One sample's echo targets: X', the speech model's own greedy answer (LLM token ids), and Y', the
/// trained T2C's greedy unit words for X', with the step they were made at.
public struct EchoLabel: Equatable, Sendable {
    public var text: [Int32]
    public var words: [Int32]
    public var step: Int
    public init(text: [Int32], words: [Int32], step: Int) { self.text = text; self.words = words; self.step = step }
}

/// The pseudo-labels of an Echo run by sample index, part of its checkpoints (one tensor: per label its
/// sample, step, counts, then X' and Y'; ids and steps are exact in f32 below 2^24).
public struct EchoLabels: Equatable {
    public var bySample: [Int: EchoLabel] = [:]
    public init() {}

    static let tensorName = "echo_labels"

    public var state: TaskState {
        var flat: [Float] = []
        for (sample, label) in bySample.sorted(by: { $0.key < $1.key }) {
            flat += [Float(sample), Float(label.step), Float(label.text.count), Float(label.words.count)]
            flat += label.text.map(Float.init) + label.words.map(Float.init)
        }
        return TaskState(tensors: flat.isEmpty ? [] : [(Self.tensorName, Tensor(flat, shape: [flat.count]))])
    }

    /// Reads `state` back, checking every label against the samples, the vocabulary and the unit words.
    public init(state: TaskState, samples: Int, vocabulary: Int, words: Int) throws {
        guard let tensor = state.tensor(Self.tensorName) else {
            guard state.tensors.isEmpty else { throw TrainingError("the checkpoint holds task tensors but no echo labels: it belongs to another job") }
            return
        }
        let values = tensor.scalars
        var i = 0
        func read(_ n: Int, below limit: Int, _ what: String) throws -> [Int32] {
            guard n >= 0, i + n <= values.count else { throw TrainingError("the checkpoint's echo labels are cut short: delete the checkpoint to start the run over") }
            let part = values[i..<(i + n)].map { Int32($0) }
            guard part.allSatisfy({ $0 >= 0 && Int($0) < limit }) else {
                throw TrainingError("the checkpoint's echo labels hold a \(what) outside 0…\(limit - 1): it belongs to another run")
            }
            i += n
            return part
        }
        while i < values.count {
            let head = try read(4, below: Int(Int32.max), "count")
            let (sample, step) = (Int(head[0]), Int(head[1]))
            guard sample < samples else { throw TrainingError("the checkpoint's echo labels name sample \(sample) of \(samples): it belongs to a run with other data") }
            let text = try read(Int(head[2]), below: vocabulary, "token")
            bySample[sample] = EchoLabel(text: text, words: try read(Int(head[3]), below: words, "unit word"), step: step)
        }
    }
}
