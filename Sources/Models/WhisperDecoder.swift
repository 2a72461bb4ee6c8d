import Foundation
import Formats
import Tensor

// MARK: - Decoder

/// Whisper's text decoder, one token at a time with a KV cache: learned token and position
/// embeddings, pre-norm blocks (causal self-attention, cross-attention over the encoder output, GELU
/// MLP), a final LayerNorm and the output projection tied to the token embeddings.
///
/// Per-token products are matrix-vector products over the weights kept in the file's own type
/// (float16: half the bytes to read per token, widened exactly in the kernel), split over the cores;
/// the cross-attention keys and values are computed once per clip with sgemm.
public final class WhisperDecoder: @unchecked Sendable {
    public let config: WhisperConfig

    struct Layer {
        var selfNorm: (gamma: [Float], beta: [Float])
        var qkv: QuantizedMatrix, qkvBias: [Float]              // [3C, C]
        var selfOutput: QuantizedMatrix, selfOutputBias: [Float] // [C, C]
        var crossNorm: (gamma: [Float], beta: [Float])
        var query: QuantizedMatrix, queryBias: [Float]           // [C, C]
        var keyValue: [Float], keyValueBias: [Float]             // [2C, C] float32 (applied to every encoder row)
        var crossOutput: QuantizedMatrix, crossOutputBias: [Float]
        var ffnNorm: (gamma: [Float], beta: [Float])
        var fc1: QuantizedMatrix, fc1Bias: [Float]               // [4C, C]
        var fc2: QuantizedMatrix, fc2Bias: [Float]               // [C, 4C]
    }

    /// [V, C]: token embeddings, and the output projection.
    let embeddings: QuantizedMatrix
    let positions: [Float]                                       // [448, C]
    let layers: [Layer]
    let norm: (gamma: [Float], beta: [Float])
    let ffnWidth: Int

    init(file: CTranslate2File, config: WhisperConfig) throws {
        self.config = config
        let c = config.width, t = WhisperTensorTable.self
        func w(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(named: name, shape: shape) }
        func matrix(_ name: String, _ shape: [Int]) throws -> QuantizedMatrix {
            let type: GGMLType = try file.requireVariable(name).dtype == .float32 ? .f32 : .f16
            return QuantizedMatrix(rows: shape[0], cols: shape[1], values: try w(name, shape), type: type)
        }
        try WhisperTensorTable.checkScalars(file)
        ffnWidth = try file.requireVariable(t.decoder(0, "ffn/linear_0/weight")).shape[0]
        let f = ffnWidth
        embeddings = try matrix("decoder/embeddings/weight", [config.vocabularySize, c])
        positions = try w("decoder/position_encodings/encodings", [config.textContext, c])
        norm = (try w("decoder/layer_norm/gamma", [c]), try w("decoder/layer_norm/beta", [c]))
        layers = try (0..<config.decoderLayers).map { l in
            func p(_ part: String, _ shape: [Int]) throws -> [Float] { try w(t.decoder(l, part), shape) }
            func m(_ part: String, _ shape: [Int]) throws -> QuantizedMatrix { try matrix(t.decoder(l, part), shape) }
            return Layer(selfNorm: (try p("self_attention/layer_norm/gamma", [c]), try p("self_attention/layer_norm/beta", [c])),
                         qkv: try m("self_attention/linear_0/weight", [3 * c, c]), qkvBias: try p("self_attention/linear_0/bias", [3 * c]),
                         selfOutput: try m("self_attention/linear_1/weight", [c, c]), selfOutputBias: try p("self_attention/linear_1/bias", [c]),
                         crossNorm: (try p("attention/layer_norm/gamma", [c]), try p("attention/layer_norm/beta", [c])),
                         query: try m("attention/linear_0/weight", [c, c]), queryBias: try p("attention/linear_0/bias", [c]),
                         keyValue: try p("attention/linear_1/weight", [2 * c, c]), keyValueBias: try p("attention/linear_1/bias", [2 * c]),
                         crossOutput: try m("attention/linear_2/weight", [c, c]), crossOutputBias: try p("attention/linear_2/bias", [c]),
                         ffnNorm: (try p("ffn/layer_norm/gamma", [c]), try p("ffn/layer_norm/beta", [c])),
                         fc1: try m("ffn/linear_0/weight", [f, c]), fc1Bias: try p("ffn/linear_0/bias", [f]),
                         fc2: try m("ffn/linear_1/weight", [c, f]), fc2Bias: try p("ffn/linear_1/bias", [c]))
        }
    }

    // MARK: - Cache

    /// The decoding state of one clip: cross-attention keys and values of its encoder output, the
    /// self-attention cache, and the step's buffers.
    public final class State {
        let capacity: Int, audio: Int
        /// Per layer [T', 2C]: keys in columns 0..<C, values in C..<2C.
        var cross: [[Float]]
        /// Per layer [capacity, C].
        var keys: [[Float]], values: [[Float]]
        public private(set) var length = 0
        var x: [Float], h: [Float], qkv: [Float], attention: [Float], hidden: [Float], scores: [Float]
        public internal(set) var logits: [Float]

        init(config: WhisperConfig, audio: Int, ffn: Int) {
            let c = config.width
            capacity = config.textContext
            self.audio = audio
            cross = []
            keys = Array(repeating: [Float](repeating: 0, count: capacity * c), count: config.decoderLayers)
            values = keys
            x = [Float](repeating: 0, count: c); h = x; attention = x
            qkv = [Float](repeating: 0, count: 3 * c)
            hidden = [Float](repeating: 0, count: ffn)
            scores = [Float](repeating: 0, count: config.decoderHeads * max(capacity, audio))
            logits = [Float](repeating: 0, count: config.vocabularySize)
        }

        func advance() { length += 1 }
    }

    /// A fresh state for the encoder output `audio` (its cross-attention keys and values computed here).
    public func start(_ audio: WhisperEncoderOutput) throws -> State {
        guard audio.width == config.width, audio.positions >= 1, audio.final.count == audio.positions * audio.width else {
            throw WhisperError("the encoder output is [\(audio.positions), \(audio.width)], the decoder needs [T', \(config.width)]")
        }
        let c = config.width, n = audio.positions
        let state = State(config: config, audio: n, ffn: ffnWidth)
        state.cross = layers.map { layer in
            var kv = [Float](repeating: 0, count: n * 2 * c)
            WhisperKernels.product(audio.final, rows: n, layer.keyValue, n: 2 * c, k: c, into: &kv, bias: layer.keyValueBias)
            return kv
        }
        return state
    }

    // MARK: - Step

    /// Feeds `token` at the next position and leaves the next token's logits in `state.logits` [V].
    public func step(_ token: Int, _ s: State) throws {
        guard token >= 0, token < config.vocabularySize else {
            throw WhisperError("token \(token) is outside the vocabulary (0..<\(config.vocabularySize))")
        }
        guard s.length < s.capacity else {
            throw WhisperError("the decoder holds \(s.capacity) positions and all are used; start a new state")
        }
        let c = config.width, p = s.length
        // x = token embedding + position embedding
        s.x.withUnsafeMutableBufferPointer { embeddings.row(token, into: $0.baseAddress!) }
        for j in 0..<c { s.x[j] += positions[p * c + j] }
        for (l, layer) in layers.enumerated() {
            // self-attention over positions 0…p, with this position's key and value cached
            normalise(s, layer.selfNorm)
            matvec(layer.qkv, s.h, into: &s.qkv, bias: layer.qkvBias)
            s.keys[l].replaceSubrange((p * c)..<((p + 1) * c), with: s.qkv[c..<(2 * c)])
            s.values[l].replaceSubrange((p * c)..<((p + 1) * c), with: s.qkv[(2 * c)..<(3 * c)])
            attend(query: s.qkv, keys: s.keys[l], values: s.values[l], stride: c, valueOffset: 0, count: p + 1, s)
            residual(layer.selfOutput, layer.selfOutputBias, s)
            // cross-attention over the encoder output
            normalise(s, layer.crossNorm)
            matvec(layer.query, s.h, into: &s.qkv, bias: layer.queryBias)
            attend(query: s.qkv, keys: s.cross[l], values: s.cross[l], stride: 2 * c, valueOffset: c, count: s.audio, s)
            residual(layer.crossOutput, layer.crossOutputBias, s)
            // feed-forward
            normalise(s, layer.ffnNorm)
            matvec(layer.fc1, s.h, into: &s.hidden, bias: layer.fc1Bias)
            s.hidden.withUnsafeMutableBufferPointer { WhisperKernels.gelu($0.baseAddress!, count: ffnWidth) }
            s.hidden.withUnsafeBufferPointer { hp in
                s.h.withUnsafeMutableBufferPointer { layer.fc2.matvec(hp.baseAddress!, $0.baseAddress!) }
            }
            for j in 0..<c { s.x[j] += s.h[j] + layer.fc2Bias[j] }
        }
        // final norm, then logits = E · h
        normalise(s, norm)
        s.h.withUnsafeBufferPointer { hp in
            s.logits.withUnsafeMutableBufferPointer { embeddings.matvec(hp.baseAddress!, $0.baseAddress!) }
        }
        s.advance()
    }

    private func normalise(_ s: State, _ n: (gamma: [Float], beta: [Float])) {
        s.x.withUnsafeBufferPointer { x in
            s.h.withUnsafeMutableBufferPointer { WhisperKernels.layerNorm(x.baseAddress!, gamma: n.gamma, beta: n.beta, count: config.width, into: $0.baseAddress!) }
        }
    }

    private func matvec(_ m: QuantizedMatrix, _ x: [Float], into y: inout [Float], bias: [Float]) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { m.matvec(xp.baseAddress!, $0.baseAddress!) } }
        for j in 0..<m.rows { y[j] += bias[j] }
    }

    /// x += W · attention + bias.
    private func residual(_ m: QuantizedMatrix, _ bias: [Float], _ s: State) {
        s.attention.withUnsafeBufferPointer { a in s.h.withUnsafeMutableBufferPointer { m.matvec(a.baseAddress!, $0.baseAddress!) } }
        for j in 0..<config.width { s.x[j] += s.h[j] + bias[j] }
    }

    /// attention[h·D..] = softmax(q_h · K_hᵀ / √D) · V_h for each head, over `count` rows of keys and
    /// values `stride` floats apart (values `valueOffset` floats after the keys of a row).
    private func attend(query: [Float], keys: [Float], values: [Float], stride: Int, valueOffset: Int, count n: Int, _ s: State) {
        let heads = config.decoderHeads, d = config.width / heads, scale = 1 / Float(d).squareRoot()
        query.withUnsafeBufferPointer { qp in
            keys.withUnsafeBufferPointer { kp in
                values.withUnsafeBufferPointer { vp in
                    s.scores.withUnsafeMutableBufferPointer { sp in
                        s.attention.withUnsafeMutableBufferPointer { op in
                            let q = qp.baseAddress!, k = kp.baseAddress!, v = vp.baseAddress! + valueOffset
                            let scores = sp.baseAddress!, out = op.baseAddress!
                            let work = { (h: Int) in
                                let p = scores + h * n, qh = q + h * d
                                for j in 0..<n { p[j] = scale * LlamaKernels.dot(qh, k + j * stride + h * d, count: d) }
                                WhisperKernels.softmax(p, count: n)
                                let o = out + h * d
                                o.initialize(repeating: 0, count: d)
                                for j in 0..<n { LlamaKernels.axpy(p[j], v + j * stride + h * d, o, count: d) }
                            }
                            if n * heads >= 2048 { SpinningPool.shared.run(tasks: heads, work) } else { for h in 0..<heads { work(h) } }
                        }
                    }
                }
            }
        }
    }
}
