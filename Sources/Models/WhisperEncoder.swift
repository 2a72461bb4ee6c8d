import Foundation
import Formats
import Tensor

// MARK: - Encoder

/// Whisper's audio encoder: conv(mels → C, k 3) + GELU, conv(C → C, k 3, stride 2) + GELU, sinusoidal
/// positions, pre-norm blocks (LayerNorm → self-attention → residual, LayerNorm → GELU MLP → residual),
/// a final LayerNorm. Weights are float32 (widened from the file's float16 once, exactly); every
/// product is an sgemm split over the cores, and attention runs head by head in parallel.
///
/// Runs on any number of frames up to 2·1500 (30 s): positions are the first T/2 of the table.
public final class WhisperEncoder: @unchecked Sendable {
    public let config: WhisperConfig

    struct Layer {
        var attentionNorm: (gamma: [Float], beta: [Float])
        var qkv: [Float], qkvBias: [Float]         // [3C, C], [3C]
        var output: [Float], outputBias: [Float]   // [C, C], [C]
        var ffnNorm: (gamma: [Float], beta: [Float])
        var fc1: [Float], fc1Bias: [Float]         // [4C, C], [4C]
        var fc2: [Float], fc2Bias: [Float]         // [C, 4C], [C]
    }

    let conv1: [Float], conv1Bias: [Float]     // [C, mels·3] (index c·3 + k), [C]
    let conv2: [Float], conv2Bias: [Float]     // [C, C·3], [C]
    let positions: [Float]                     // [1500, C]
    let layers: [Layer]
    let norm: (gamma: [Float], beta: [Float])
    let ffnWidth: Int

    init(file: CTranslate2File, config: WhisperConfig) throws {
        self.config = config
        let c = config.width, t = WhisperTensorTable.self
        func w(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(named: name, shape: shape) }
        ffnWidth = try file.requireVariable(t.encoder(0, "ffn/linear_0/weight")).shape[0]
        conv1 = try w("encoder/conv1/weight", [c, config.melCount, 3]); conv1Bias = try w("encoder/conv1/bias", [c])
        conv2 = try w("encoder/conv2/weight", [c, c, 3]); conv2Bias = try w("encoder/conv2/bias", [c])
        positions = try w("encoder/position_encodings/encodings", [config.audioContext, c])
        norm = (try w("encoder/layer_norm/gamma", [c]), try w("encoder/layer_norm/beta", [c]))
        let f = ffnWidth
        layers = try (0..<config.encoderLayers).map { l in
            func p(_ part: String, _ shape: [Int]) throws -> [Float] { try w(t.encoder(l, part), shape) }
            return Layer(attentionNorm: (try p("self_attention/layer_norm/gamma", [c]), try p("self_attention/layer_norm/beta", [c])),
                         qkv: try p("self_attention/linear_0/weight", [3 * c, c]), qkvBias: try p("self_attention/linear_0/bias", [3 * c]),
                         output: try p("self_attention/linear_1/weight", [c, c]), outputBias: try p("self_attention/linear_1/bias", [c]),
                         ffnNorm: (try p("ffn/layer_norm/gamma", [c]), try p("ffn/layer_norm/beta", [c])),
                         fc1: try p("ffn/linear_0/weight", [f, c]), fc1Bias: try p("ffn/linear_0/bias", [f]),
                         fc2: try p("ffn/linear_1/weight", [c, f]), fc2Bias: try p("ffn/linear_1/bias", [c]))
        }
    }

    /// Encoder positions for `frames` mel frames (the stride-2 convolution halves them, rounding up).
    public static func positions(forFrames frames: Int) -> Int { frames <= 0 ? 0 : (frames - 1) / 2 + 1 }

    // MARK: - Forward

    /// Hidden states of `logMel` (row-major [T, mels]): `layers[0]` is the input of the first block
    /// (convolutions + positions), `layers[i]` the output of block i − 1, `final` the last block's
    /// output after the final LayerNorm; each [T/2, C]. Keeping the layers costs a copy per block.
    public func encode(_ logMel: [Float], frames: Int, keepLayers: Bool = true) throws -> WhisperEncoderOutput {
        let m = config.melCount, c = config.width
        guard frames >= 1, logMel.count == frames * m else {
            throw WhisperError("the encoder needs [T, \(m)] log-mel values with T ≥ 1; got \(logMel.count) values for \(frames) frames")
        }
        let n = WhisperEncoder.positions(forFrames: frames)
        guard n <= config.audioContext else {
            throw WhisperError("\(frames) frames (\(Double(frames) / 100) s) are more than the encoder's \(2 * config.audioContext) (\(2 * config.audioContext / 100) s); cut the audio into 30 s windows")
        }
        guard logMel.allSatisfy({ $0.isFinite }) else { throw WhisperError("the log-mel features hold NaN or infinite values") }

        // Convolution 1 as a product: columns[t, ch·3 + k] = mel[t + k − 1, ch] (zero outside).
        var h1 = [Float](repeating: 0, count: frames * c)                     // [T, C]
        var columns = [Float](repeating: 0, count: frames * m * 3)            // [T, mels·3]
        for t in 0..<frames {
            for k in 0..<3 where t + k - 1 >= 0 && t + k - 1 < frames {
                let src = (t + k - 1) * m, dst = t * m * 3 + k
                for ch in 0..<m { columns[dst + 3 * ch] = logMel[src + ch] }
            }
        }
        product(columns, rows: frames, conv1, n: c, k: m * 3, into: &h1, bias: conv1Bias, gelu: true)

        // Convolution 2, stride 2: columns[t, ch·3 + k] = h1[2t + k − 1, ch].
        var x = [Float](repeating: 0, count: n * c)                           // [T/2, C]
        columns = [Float](repeating: 0, count: n * c * 3)
        for t in 0..<n {
            for k in 0..<3 where 2 * t + k - 1 >= 0 && 2 * t + k - 1 < frames {
                let src = (2 * t + k - 1) * c, dst = t * c * 3 + k
                for ch in 0..<c { columns[dst + 3 * ch] = h1[src + ch] }
            }
        }
        product(columns, rows: n, conv2, n: c, k: c * 3, into: &x, bias: conv2Bias, gelu: true)
        for i in 0..<(n * c) { x[i] += positions[i] }

        var states: [[Float]] = keepLayers ? [x] : []
        var scratch = Scratch(positions: n, width: c, ffn: ffnWidth)
        for layer in layers {
            block(layer, &x, positions: n, &scratch)
            if keepLayers { states.append(x) }
        }
        var final = [Float](repeating: 0, count: n * c)
        x.withUnsafeBufferPointer { xp in
            final.withUnsafeMutableBufferPointer { WhisperKernels.layerNormRows(xp.baseAddress!, gamma: norm.gamma, beta: norm.beta, rows: n, count: c, into: $0.baseAddress!) }
        }
        return WhisperEncoderOutput(positions: n, width: c, layers: states, final: final)
    }

    struct Scratch {
        var h: [Float], qkv: [Float], attention: [Float], hidden: [Float]
        init(positions n: Int, width c: Int, ffn f: Int) {
            h = [Float](repeating: 0, count: n * c); qkv = [Float](repeating: 0, count: n * 3 * c)
            attention = h; hidden = [Float](repeating: 0, count: n * f)
        }
    }

    /// x += SelfAttention(LN(x)); x += MLP(LN(x)), x [T', C].
    private func block(_ layer: Layer, _ x: inout [Float], positions n: Int, _ s: inout Scratch) {
        let c = config.width
        x.withUnsafeBufferPointer { xp in
            s.h.withUnsafeMutableBufferPointer { WhisperKernels.layerNormRows(xp.baseAddress!, gamma: layer.attentionNorm.gamma, beta: layer.attentionNorm.beta, rows: n, count: c, into: $0.baseAddress!) }
        }
        product(s.h, rows: n, layer.qkv, n: 3 * c, k: c, into: &s.qkv, bias: layer.qkvBias)          // [T', 3C]
        attend(s.qkv, positions: n, into: &s.attention)                              // [T', C]
        product(s.attention, rows: n, layer.output, n: c, k: c, into: &x, bias: layer.outputBias, accumulate: true)

        x.withUnsafeBufferPointer { xp in
            s.h.withUnsafeMutableBufferPointer { WhisperKernels.layerNormRows(xp.baseAddress!, gamma: layer.ffnNorm.gamma, beta: layer.ffnNorm.beta, rows: n, count: c, into: $0.baseAddress!) }
        }
        product(s.h, rows: n, layer.fc1, n: ffnWidth, k: c, into: &s.hidden, bias: layer.fc1Bias, gelu: true)   // [T', 4C]
        product(s.hidden, rows: n, layer.fc2, n: c, k: ffnWidth, into: &x, bias: layer.fc2Bias, accumulate: true)
    }

    /// Softmax(Q·Kᵀ/√D)·V for every head; qkv [T', 3C] → out [T', C]. Tasks of (head, block of
    /// queries) are claimed as they come, each scoring its block against every key in a buffer of
    /// its own that stays in cache ([block, T']).
    private func attend(_ qkv: [Float], positions n: Int, into out: inout [Float]) {
        let c = config.width, heads = config.encoderHeads, d = c / heads
        let scale = 1 / Float(d).squareRoot()
        let block = WhisperEncoder.queryBlock, blocks = (n + block - 1) / block
        qkv.withUnsafeBufferPointer { qp in
            out.withUnsafeMutableBufferPointer { op in
                let q = qp.baseAddress!, o = op.baseAddress!
                SpinningPool.shared.run(tasks: heads * blocks) { task in
                    let h = task / blocks, first = (task % blocks) * block, rows = min(block, n - first)
                    let p = UnsafeMutablePointer<Float>.allocate(capacity: rows * n)
                    defer { p.deallocate() }
                    gemm(transA: false, transB: true, m: rows, n: n, k: d, alpha: scale, q + first * 3 * c + h * d, lda: 3 * c,
                         q + c + h * d, ldb: 3 * c, p, ldc: n)
                    for r in 0..<rows { WhisperKernels.softmax(p + r * n, count: n) }
                    gemm(transA: false, transB: false, m: rows, n: d, k: n, p, lda: n, q + 2 * c + h * d, ldb: 3 * c,
                         o + first * c + h * d, ldc: c)
                }
            }
        }
    }

    /// Queries per attention task.
    static let queryBlock = 128
    /// out[rows, n] (+)= a · wᵀ + bias (then GELU), see `WhisperKernels.product`.
    private func product(_ a: [Float], rows: Int, _ w: [Float], n: Int, k: Int, into out: inout [Float],
                         bias: [Float], gelu: Bool = false, accumulate: Bool = false) {
        WhisperKernels.product(a, rows: rows, w, n: n, k: k, into: &out, bias: bias, gelu: gelu, accumulate: accumulate)
    }
}

/// The encoder's hidden states, each row-major [positions, width].
public struct WhisperEncoderOutput: Sendable {
    public let positions: Int
    public let width: Int
    /// The input of the first block, then each block's output (empty when not kept).
    public let layers: [[Float]]
    /// The last block's output after the final LayerNorm: what the decoder attends to.
    public let final: [Float]
}
