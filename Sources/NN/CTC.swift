import Foundation
import Tensor

// MARK: - Options and errors

/// How the per-item CTC losses are combined into the returned tensor.
public enum CTCReduction: Sendable {
    /// The per-item losses, shape [B].
    case none
    /// Σ over the batch, a scalar.
    case sum
    /// PyTorch's 'mean': each item's loss divided by its target length (at least 1), then averaged over the batch.
    case mean
    /// Σ over the batch divided by B (no division by target lengths), a scalar.
    case batchMean
}

/// Invalid arguments to `ctcLoss` (shapes, lengths, labels).
public struct CTCError: Error, CustomStringConvertible {
    public let description: String
    init(_ message: String) { description = "CTC: " + message }
}

// MARK: - Loss

/// Connectionist temporal classification loss, −log p(target | input), computed in log space.
///
/// - `logProbs`: [B, T, V] log-probabilities (batch first, as the project's heads produce; typically the
///   output of `logSoftmax()`). The gradient is taken with respect to these values exactly:
///   ∂loss/∂logProbs[b, t, v] = −(posterior probability that an alignment emits v at frame t), from the
///   α·β products of the forward and backward recursions. Through `logSoftmax()` this becomes
///   softmax − posterior on the logits.
/// - `targets`: one label sequence per batch item, labels in 0..<V and never `blank`.
/// - `inputLengths`: valid frames per item (default T); frames beyond get zero gradient.
/// - `targetLengths`: labels used per item (default each sequence's count; must not exceed it).
/// - `zeroInfinity`: items whose target cannot be aligned (too few frames: T < L + number of adjacent
///   repeats) have loss +∞; with this option their loss is 0 instead. Their gradient is zero either way.
public func ctcLoss(_ logProbs: Tensor, targets: [[Int32]], inputLengths: [Int]? = nil, targetLengths: [Int]? = nil,
                    blank: Int = 0, reduction: CTCReduction = .mean, zeroInfinity: Bool = false) throws -> Tensor {
    guard logProbs.rank == 3 else { throw CTCError("log-probabilities must be [B, T, V], got shape \(logProbs.shape)") }
    let (b, t, v) = (logProbs.shape[0], logProbs.shape[1], logProbs.shape[2])
    guard targets.count == b else { throw CTCError("\(targets.count) target sequences for a batch of \(b)") }
    guard blank >= 0 && blank < v else { throw CTCError("blank index \(blank) outside the vocabulary of \(v)") }
    let inLengths = inputLengths ?? Array(repeating: t, count: b)
    let tgLengths = targetLengths ?? targets.map(\.count)
    guard inLengths.count == b else { throw CTCError("\(inLengths.count) input lengths for a batch of \(b)") }
    guard tgLengths.count == b else { throw CTCError("\(tgLengths.count) target lengths for a batch of \(b)") }

    // Extended label sequences: blank, l1, blank, l2, …, blank.
    var problems: [CTCProblem] = []
    problems.reserveCapacity(b)
    var alphaOffset = 0
    for i in 0..<b {
        let frames = inLengths[i], length = tgLengths[i]
        guard frames >= 0 && frames <= t else { throw CTCError("input length \(frames) of item \(i) outside 0...\(t)") }
        guard length >= 0 && length <= targets[i].count else {
            throw CTCError("target length \(length) of item \(i) outside 0...\(targets[i].count) (its label count)")
        }
        var labels = [Int32](repeating: Int32(blank), count: 2 * length + 1)
        for (k, label) in targets[i].prefix(length).enumerated() {
            guard label >= 0 && Int(label) < v else { throw CTCError("label \(label) of item \(i) outside the vocabulary of \(v)") }
            guard Int(label) != blank else { throw CTCError("item \(i) has the blank index \(blank) as a target label") }
            labels[2 * k + 1] = label
        }
        problems.append(CTCProblem(frames: frames, labels: labels, alphaOffset: alphaOffset))
        alphaOffset += frames * labels.count
    }

    // Forward recursion for every item in parallel.
    let alphas = TensorStorage(uninitializedCount: alphaOffset)
    var forwardResults = [Float](repeating: 0, count: b)
    let input = logProbs.data, alphaBase = alphas.base
    forwardResults.withUnsafeMutableBufferPointer { ll in
        let out = ll.baseAddress!
        DispatchQueue.concurrentPerform(iterations: b) { i in
            let p = problems[i]
            out[i] = CTCKernel.forward(input + i * t * v, vocab: v, problem: p, alpha: alphaBase + p.alphaOffset)
        }
    }

    let logLikelihood = forwardResults

    // Per-item losses, and the weight each item's gradient gets from the reduction.
    let losses = logLikelihood.map { ll -> Float in ll == -.infinity ? (zeroInfinity ? 0 : .infinity) : -ll }
    let weights: [Float] = (0..<b).map { i in
        switch reduction {
        case .none, .sum: return 1
        case .batchMean: return 1 / Float(b)
        case .mean: return 1 / (Float(Swift.max(tgLengths[i], 1)) * Float(b))
        }
    }
    let out: Tensor
    switch reduction {
    case .none: out = Tensor(losses, shape: [b])
    case .sum, .mean, .batchMean:
        var total: Double = 0
        for i in 0..<b { total += Double(losses[i]) * Double(weights[i]) }
        out = Tensor(scalar: Float(total))
    }

    return Tensor.result(out, parents: [logProbs]) { g in
        let grad = Tensor(zeros: logProbs.shape), pg = grad.data, seed = g.data
        DispatchQueue.concurrentPerform(iterations: b) { i in
            guard logLikelihood[i] > -.infinity else { return }
            let scale = weights[i] * (reduction == .none ? seed[i] : seed[0])
            let p = problems[i]
            CTCKernel.backward(input + i * t * v, vocab: v, problem: p, alpha: alphas.base + p.alphaOffset,
                               logLikelihood: logLikelihood[i], scale: scale, grad: pg + i * t * v)
        }
        logProbs.accumulateGrad(grad)
    }
}

// MARK: - Recursions

/// One batch item: its valid frames and extended label sequence (blanks interleaved).
struct CTCProblem {
    let frames: Int
    let labels: [Int32]
    let alphaOffset: Int
}

/// The α and β recursions over the extended labels, in log space, on raw [T, V] rows.
///
/// Only the band of states that can lie on a complete alignment is visited: at frame t a state s must
/// be reachable from the start (s ≤ 2t + 1) and still able to reach the end (s ≥ S − 2(T − t)).
enum CTCKernel {
    /// log(eᵃ + eᵇ), one exp and one log1p.
    @inline(__always)
    static func logAdd(_ a: Float, _ b: Float) -> Float {
        let m = Swift.max(a, b)
        if m == -.infinity { return m }
        return m + Foundation.log1p(Foundation.exp(Swift.min(a, b) - m))
    }

    /// log(eᵃ + eᵇ + eᶜ), two exps and one log1p.
    @inline(__always)
    static func logAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
        let (m, x, y) = a >= b ? (a >= c ? (a, b, c) : (c, a, b)) : (b >= c ? (b, a, c) : (c, a, b))
        if m == -.infinity { return m }
        return m + Foundation.log1p(Foundation.exp(x - m) + Foundation.exp(y - m))
    }

    /// True when state s may be entered from s − 2: s is a label that differs from the previous label
    /// (for a blank, l[s − 2] is a blank too).
    @inline(__always)
    static func canSkip(_ l: UnsafePointer<Int32>, _ s: Int) -> Bool { s >= 2 && l[s] != l[s - 2] }

    /// States worth visiting at frame t: reachable from the start and able to reach the end.
    @inline(__always)
    static func band(_ t: Int, frames: Int, states: Int) -> Range<Int> {
        let lo = Swift.max(0, states - 2 * (frames - t)), hi = Swift.min(states, 2 * t + 2)
        return lo..<Swift.max(lo, hi)
    }

    /// Fills α[t, s] = log Σ over path prefixes ending in state s at frame t (emissions 0…t included)
    /// and returns log p(target | input) (−∞ when no alignment exists).
    static func forward(_ lp: UnsafePointer<Float>, vocab v: Int, problem: CTCProblem, alpha: UnsafeMutablePointer<Float>) -> Float {
        let frames = problem.frames, states = problem.labels.count
        guard frames > 0 else { return states == 1 ? 0 : -.infinity }
        return problem.labels.withUnsafeBufferPointer { lb -> Float in
            let l = lb.baseAddress!
            alpha.update(repeating: -.infinity, count: frames * states)
            for s in band(0, frames: frames, states: states) { alpha[s] = lp[Int(l[s])] }
            for t in 1..<frames {
                let prev = alpha + (t - 1) * states, cur = alpha + t * states, row = lp + t * v
                for s in band(t, frames: frames, states: states) {
                    let sum: Float
                    if s == 0 { sum = prev[0] }
                    else if canSkip(l, s) { sum = logAdd(prev[s], prev[s - 1], prev[s - 2]) }
                    else { sum = logAdd(prev[s], prev[s - 1]) }
                    cur[s] = sum + row[Int(l[s])]
                }
            }
            let last = alpha + (frames - 1) * states
            return states > 1 ? logAdd(last[states - 1], last[states - 2]) : last[0]
        }
    }

    /// Runs the β recursion (β[t, s] = log Σ over path suffixes from state s at frame t, emissions
    /// t+1… only) and adds scale · ∂(−log p)/∂lp = −scale · exp(α + β − log p) into `grad`.
    static func backward(_ lp: UnsafePointer<Float>, vocab v: Int, problem: CTCProblem, alpha: UnsafePointer<Float>,
                         logLikelihood: Float, scale: Float, grad: UnsafeMutablePointer<Float>) {
        let frames = problem.frames, states = problem.labels.count
        guard frames > 0 else { return }
        // β of the current frame, and β[t+1, s] + lp[t+1, l(s)] of the next (two spare −∞ slots past the end).
        let beta = UnsafeMutablePointer<Float>.allocate(capacity: states)
        let emitted = UnsafeMutablePointer<Float>.allocate(capacity: states + 2)
        defer { beta.deallocate(); emitted.deallocate() }
        beta.initialize(repeating: -.infinity, count: states)
        emitted.initialize(repeating: -.infinity, count: states + 2)
        problem.labels.withUnsafeBufferPointer { lb in
            let l = lb.baseAddress!
            beta[states - 1] = 0
            if states > 1 { beta[states - 2] = 0 }
            for t in stride(from: frames - 1, through: 0, by: -1) {
                let visited = band(t, frames: frames, states: states)
                if t < frames - 1 {
                    let next = lp + (t + 1) * v
                    for s in 0..<states { emitted[s] = beta[s] + next[Int(l[s])] }
                    beta.update(repeating: -.infinity, count: states)
                    for s in visited {
                        beta[s] = s + 2 < states && canSkip(l, s + 2)
                            ? logAdd(emitted[s], emitted[s + 1], emitted[s + 2])
                            : logAdd(emitted[s], emitted[s + 1])
                    }
                }
                // Posterior of each state at frame t, gathered onto its label.
                let a = alpha + t * states, row = grad + t * v
                for s in visited {
                    let logPosterior = a[s] + beta[s] - logLikelihood
                    if logPosterior > -.infinity { row[Int(l[s])] -= scale * Foundation.exp(logPosterior) }
                }
            }
        }
    }
}
