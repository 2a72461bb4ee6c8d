import Foundation
import NN
import Tensor

extension Module {
    /// Copies `values[prefix + name]` (a checkpoint's trained parameters) into each of the module's
    /// parameters (only the trainable ones with `trainableOnly`, e.g. a LoRA model's adapters); throws,
    /// naming what is missing, unless every one is there with its shape.
    public func load(_ values: [String: Tensor], prefix: String = "", trainableOnly: Bool = false, source: String) throws {
        let parameters = trainableOnly ? trainableParameters : namedParameters
        for (name, parameter) in parameters {
            guard let value = values[prefix + name] else {
                throw TrainingError("\(source) lacks \(prefix + name): it was written by another kind of run, or another version — train it again")
            }
            guard value.shape == parameter.shape else {
                throw TrainingError("\(source) has \(prefix + name) of shape \(value.shape), the model's is \(parameter.shape): it belongs to a differently sized model")
            }
        }
        for (name, parameter) in parameters { parameter.data.update(from: values[prefix + name]!.data, count: parameter.count) }
    }
}
