/// Reverse-mode automatic differentiation: each op result records its inputs and a
/// closure that turns the result's gradient into gradients of those inputs.
final class GradNode {
    let parents: [Tensor]
    let backward: (Tensor) -> Void
    init(parents: [Tensor], backward: @escaping (Tensor) -> Void) {
        self.parents = parents
        self.backward = backward
    }
}

public enum Autograd {
    nonisolated(unsafe) static var enabledDepth = 0
    nonisolated(unsafe) static var disabledDepth = 0

    /// True unless inside `noGrad`.
    public static var isEnabled: Bool { disabledDepth == 0 }

    /// Runs `body` without recording any graph (inference, optimiser updates).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

extension Tensor {
    /// Makes the result of an op. When grad is on and any parent needs a gradient, the result
    /// joins the graph with `backward`, which receives the result's gradient (shape `shape`).
    public static func result(_ out: Tensor, parents: [Tensor], backward: @escaping (Tensor) -> Void) -> Tensor {
        if Autograd.isEnabled && parents.contains(where: { $0.requiresGrad }) {
            out.requiresGrad = true
            out.node = GradNode(parents: parents, backward: backward)
        }
        return out
    }

    /// Adds `g` into this tensor's gradient. Ignored when this tensor needs no gradient.
    /// `g` may be shared with other tensors: it is copied before any in-place accumulation.
    public func accumulateGrad(_ g: Tensor) {
        guard requiresGrad else { return }
        precondition(g.count == count, "gradient of \(g.shape) for tensor of \(shape)")
        if let existing = grad {
            if gradIsOwned {
                Kernels.add(existing.data, g.data, into: existing.data, count: count)
            } else {
                let sum = Tensor.empty(shape)
                Kernels.add(existing.data, g.data, into: sum.data, count: count)
                grad = sum
                gradIsOwned = true
            }
        } else {
            grad = g.shape == shape ? g : Tensor(shape: shape, storage: g.storage)
            gradIsOwned = false
        }
    }

    /// Adds a gradient that `write(buffer, beta)` computes straight into this tensor's gradient,
    /// as a matrix product does with its beta: it must set `buffer` to its result when beta is 0
    /// and add its result to `buffer` when beta is 1. A tensor read by several products (the input
    /// of q, k and v) then sums their gradients without a buffer and an addition per product.
    public func accumulateGrad(writing write: (UnsafeMutablePointer<Float>, Float) -> Void) {
        guard requiresGrad else { return }
        if let existing = grad {
            if !gradIsOwned {
                let copy = Tensor.empty(shape)
                copy.data.update(from: existing.data, count: count)
                grad = copy
                gradIsOwned = true
            }
            write(grad!.data, 1)
        } else {
            let fresh = Tensor.empty(shape)
            write(fresh.data, 0)
            grad = fresh
            gradIsOwned = true
        }
    }

    /// Backpropagates from this scalar (or from `seed`, the gradient of this tensor) through
    /// the graph. Leaf gradients accumulate across calls; the graph is freed afterwards.
    public func backward(seed: Tensor? = nil) {
        precondition(requiresGrad, "backward from a tensor that does not depend on any parameter")
        precondition(seed != nil || count == 1, "backward without a seed needs a scalar, shape is \(shape)")
        let order = topologicalOrder()
        accumulateGrad(seed ?? Tensor(repeating: 1, shape: shape))
        for t in order.reversed() {
            guard let node = t.node, let g = t.grad else { continue }
            node.backward(g)
            // Intermediate results drop their gradient and history once used.
            t.node = nil
            t.grad = nil
        }
    }

    /// Every tensor this one depends on through the graph, parents before children.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            for p in t.node?.parents ?? [] where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        return order
    }

    /// Multiplies the accumulated gradient by `factor` in place (copying it first if shared).
    public func scaleGrad(by factor: Float) {
        guard let g = grad else { return }
        if !gradIsOwned { grad = g.copy(); gradIsOwned = true }
        Kernels.scale(grad!.data, by: factor, into: grad!.data, count: count)
    }

    /// Forgets the accumulated gradient.
    public func zeroGrad() {
        grad = nil
        gradIsOwned = false
    }
}
