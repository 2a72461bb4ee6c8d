import Foundation
import Tensor

// MARK: - Attention of one new position over the KV cache (decode)

extension LlamaInference {
    /// Positions × heads from which decode attention is split into parts run in parallel.
    nonisolated(unsafe) static var splitAttentionFrom = 2048
    /// Parts of a split attention (claimed by the threads as they come).
    static let attentionPartCount = 4

    /// att[H·D] = softmax(q·Kᵀ/√D)·V over the first `n` cached positions of `layer`.
    ///
    /// The positions are split into parts; each reads every cached key and value row once
    /// for all query heads, and keeps per head its largest score m, Σ e^(s−m) and Σ e^(s−m)·v. The
    /// parts are merged exactly: with M = max mᵢ, att = Σ e^(mᵢ−M)·oᵢ / Σ e^(mᵢ−M)·lᵢ.
    func attendOne(layer: Int, keys n: Int) {
        let c = config, heads = c.heads
        let parts = n * heads < LlamaInference.splitAttentionFrom ? 1 : min(LlamaInference.attentionPartCount, n)
        let per = (n + parts - 1) / parts
        SpinningPool.shared.run(tasks: parts) { w in
            attendPart(layer: layer, positions: min(n, w * per)..<min(n, (w + 1) * per), part: w)
        }
        let d = c.headDim, partStride = heads * (d + 2)
        for h in 0..<heads {
            var top = -Float.infinity
            for w in 0..<parts { top = max(top, attentionParts[w * partStride + heads * d + h]) }
            let out = att + h * d
            out.initialize(repeating: 0, count: d)
            var total: Float = 0
            for w in 0..<parts {
                let base = attentionParts + w * partStride, m = base[heads * d + h]
                guard m > -Float.infinity else { continue }
                let weight = Foundation.exp(m - top)
                total += weight * base[heads * d + heads + h]
                LlamaKernels.axpy(weight, base + h * d, out, count: d)
            }
            let inverse = 1 / total
            for i in 0..<d { out[i] *= inverse }
        }
    }

    /// One worker's part: unnormalised outputs [H·D], then the maxima [H] and sums [H], in part `part`.
    private func attendPart(layer: Int, positions: Range<Int>, part: Int) {
        let c = config, d = c.headDim, heads = c.heads, kvw = c.kvHeads * d, group = heads / c.kvHeads
        let scale = 1 / Float(d).squareRoot(), cap = capacity
        let base = attentionParts + part * heads * (d + 2)
        let outs = base, maxima = base + heads * d, sums = maxima + heads
        outs.initialize(repeating: 0, count: heads * d)
        guard !positions.isEmpty else {
            for h in 0..<heads { maxima[h] = -.infinity; sums[h] = 0 }
            return
        }
        let kBase = keys + layer * cap * kvw, vBase = values + layer * cap * kvw
        let count = positions.count
        // Scores [H, count] of this part, each key row read once for all heads.
        for (j, p) in positions.enumerated() {
            let k = kBase + p * kvw
            for h in 0..<heads { scores[h * cap + positions.lowerBound + j] = LlamaKernels.dot(q + h * d, k + (h / group) * d, count: d) * scale }
        }
        for h in 0..<heads {
            let s = scores + h * cap + positions.lowerBound
            let m = FastMath.maximum(s, count: count)
            maxima[h] = m
            sums[h] = FastMath.expShifted(s, s, count: count, shift: m)
        }
        // Weighted values, each value row read once for all heads.
        for (j, p) in positions.enumerated() {
            let v = vBase + p * kvw
            for h in 0..<heads { LlamaKernels.axpy(scores[h * cap + positions.lowerBound + j], v + (h / group) * d, outs + h * d, count: d) }
        }
    }
}
