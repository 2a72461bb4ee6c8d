import Foundation
import Formats
import Tensor

/// Compact weights of one decoder block (shapes [out, in]).
struct LlamaInferenceBlock {
    let attentionNorm: [Float]                       // [C]
    let wq, wk, wv, wo: QuantizedMatrix              // [H·D, C], [KVH·D, C] ×2, [C, H·D]
    let qkvBias: [Float]?                            // [H·D + 2·KVH·D]: query, key and value biases (Qwen2)
    let mlpNorm: [Float]                             // [C]
    let gate, up, down: QuantizedMatrix              // [F, C] ×2, [C, F]
}

/// Llama inference without autodiff: weights stay compact (quantised or half precision, copied
/// once into huge pages and expanded on the fly by SIMD kernels), activations, sums and the KV
/// cache are float32. Prefill multiplies blocks of positions by weight panels expanded sixteen
/// rows at a time (`QuantizedMatrix.matmul`); decode runs one position through matrix-vector
/// kernels over preallocated buffers, allocation-free per token.
public final class LlamaInference {
    public let config: LlamaConfig
    /// Positions the KV cache holds.
    public let capacity: Int
    /// Positions already in the KV cache (the next token's position).
    public internal(set) var position = 0

    let blocks: [LlamaInferenceBlock]
    /// LoRA adapters added after the projections they name (see `apply(lora:)`); nil: the base model.
    public internal(set) var lora: LlamaLoRAWeights?
    let embedding: QuantizedMatrix       // [V, C]
    let outputNorm: [Float]              // [C]
    let output: QuantizedMatrix          // [V, C] (the embedding when tied)
    let rotary: RotaryTable
    let keys: UnsafeMutablePointer<Float>     // [layers, capacity, KVH·D]
    let values: UnsafeMutablePointer<Float>   // [layers, capacity, KVH·D]
    /// Decode buffers: x, xb, xb2, hidden [C]; q, att [H·D]; hb, hb2 [F]; scores [H, capacity]; logits [V];
    /// attentionParts: per part [H·D + 2H] (see `attendOne`).
    let x, xb, xb2, hiddenBuffer, q, att, hb, hb2, scores, logitsBuffer, attentionParts: UnsafeMutablePointer<Float>
    /// Scratch memory of prefill, kept between calls.
    let prefillWorkspace = Workspace()
    /// Queries per attention block in prefill (later blocks see more keys).
    nonisolated(unsafe) static var queryBlock = 128
    /// Positions per prefill chunk (bounds the scratch memory).
    nonisolated(unsafe) static var prefillChunk = 512

    // MARK: - Loading

    /// The engine for the Llama model in `file`, with a KV cache of `capacity` positions
    /// (default: the model's context length, at most 2048). Every product reads the stored weights exactly.
    public convenience init(file: GGUFFile, capacity: Int? = nil) throws {
        let c = try LlamaConfig(gguf: file)
        let positions = max(1, min(capacity ?? min(c.contextLength, 2048), c.contextLength))
        try LlamaInference.checkCacheFits(c, capacity: positions)
        // Every matrix is copied into one arena of huge pages (see `WeightArena`).
        let arena = WeightArena()
        func matrix(_ name: String, _ shape: [Int]) throws -> QuantizedMatrix {
            try QuantizedMatrix(file: file, tensor: LlamaTensorTable.tensor(file, name, shape: shape), arena: arena)
        }
        func vector(_ name: String) throws -> [Float] {
            try file.floats(of: LlamaTensorTable.tensor(file, name, shape: [c.dim]))
        }
        var loaded: [LlamaInferenceBlock] = []
        for i in 0..<c.layers {
            var m: [String: QuantizedMatrix] = [:]
            for e in LlamaTensorTable.blockEntries(c) where e.shape.count == 2 {
                m[e.gguf] = try matrix("blk.\(i).\(e.gguf)", e.shape)
            }
            var qkvBias: [Float]?
            if c.attentionBias {
                qkvBias = try LlamaTensorTable.blockEntries(c).filter { $0.gguf.hasSuffix(".bias") }.flatMap {
                    try file.floats(of: LlamaTensorTable.tensor(file, "blk.\(i).\($0.gguf)", shape: $0.shape))
                }
            }
            loaded.append(LlamaInferenceBlock(
                attentionNorm: try vector("blk.\(i).attn_norm.weight"),
                wq: m["attn_q.weight"]!, wk: m["attn_k.weight"]!, wv: m["attn_v.weight"]!, wo: m["attn_output.weight"]!,
                qkvBias: qkvBias,
                mlpNorm: try vector("blk.\(i).ffn_norm.weight"),
                gate: m["ffn_gate.weight"]!, up: m["ffn_up.weight"]!, down: m["ffn_down.weight"]!))
        }
        let embedding = try matrix(LlamaTensorTable.tokenEmbedding, [c.vocabSize, c.dim])
        let output = c.tiedEmbeddings ? embedding : try matrix(LlamaTensorTable.output, [c.vocabSize, c.dim])
        self.init(config: c, capacity: positions, blocks: loaded, embedding: embedding,
                  outputNorm: try vector(LlamaTensorTable.outputNorm), output: output)
    }

    /// An engine with its own KV cache of `capacity` positions (default: `other`'s) and its own
    /// buffers, reading `other`'s weights and LoRA adapters: one of the sequences of a batch (see `step(_:tokens:)`).
    public convenience init(sharingWeightsOf other: LlamaInference, capacity: Int? = nil) throws {
        let c = other.config
        let positions = max(1, min(capacity ?? other.capacity, c.contextLength))
        try LlamaInference.checkCacheFits(c, capacity: positions)
        self.init(config: c, capacity: positions, blocks: other.blocks, embedding: other.embedding,
                  outputNorm: other.outputNorm, output: other.output)
        lora = other.lora
    }

    /// Allocates the KV cache and the decode buffers around loaded weights.
    init(config c: LlamaConfig, capacity: Int, blocks: [LlamaInferenceBlock], embedding: QuantizedMatrix,
         outputNorm: [Float], output: QuantizedMatrix) {
        config = c
        self.capacity = capacity
        self.blocks = blocks
        self.embedding = embedding
        self.outputNorm = outputNorm
        self.output = output
        rotary = RotaryTable(rotaryDim: c.headDim, base: c.ropeBase, layout: c.ropeLayout, frequencyFactors: c.ropeFrequencyFactors,
                             capacity: capacity)
        let kvCount = c.layers * capacity * c.kvHeads * c.headDim
        keys = .allocate(capacity: kvCount)
        values = .allocate(capacity: kvCount)
        let qw = c.heads * c.headDim
        func buffer(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n); p.initialize(repeating: 0, count: n); return p
        }
        (x, xb, xb2, hiddenBuffer) = (buffer(c.dim), buffer(c.dim), buffer(c.dim), buffer(c.dim))
        (q, att, hb, hb2) = (buffer(qw), buffer(qw), buffer(c.ffnDim), buffer(c.ffnDim))
        scores = buffer(c.heads * capacity)
        logitsBuffer = buffer(c.vocabSize)
        attentionParts = buffer(LlamaInference.attentionPartCount * c.heads * (c.headDim + 2))
    }

    /// Throws unless the KV cache (keys and values of every layer) has a size that fits in memory:
    /// the capacity comes from the caller and the widths from the file, so they are checked before allocating.
    static func checkCacheFits(_ c: LlamaConfig, capacity: Int) throws {
        let memory = ProcessInfo.processInfo.physicalMemory
        let (width, o1) = (c.kvHeads * c.headDim).multipliedReportingOverflow(by: c.layers)
        let (floats, o2) = width.multipliedReportingOverflow(by: capacity)
        let (keysAndValues, o3) = floats.multipliedReportingOverflow(by: 2 * MemoryLayout<Float>.size)
        let bytes = o1 || o2 || o3 ? UInt64.max : UInt64(keysAndValues)
        guard bytes <= memory / 2 else {
            func gib(_ n: UInt64) -> String { n == .max ? "more than 2^63 bytes" : String(format: "%.1f GiB", Double(n) / Double(1 << 30)) }
            throw LlamaError.badInput("a KV cache of \(capacity) positions for \(c.layers) layers needs \(gib(bytes)), more than half of this machine's \(gib(memory)) of memory; ask for fewer positions (a smaller capacity, or a shorter prompt and fewer new tokens)")
        }
    }

    /// The engine for the GGUF file at `url`.
    public convenience init(url: URL, capacity: Int? = nil) throws {
        try self.init(file: GGUFFile(url: url), capacity: capacity)
    }

    deinit {
        for p in [keys, values, x, xb, xb2, hiddenBuffer, q, att, hb, hb2, scores, logitsBuffer, attentionParts] { p.deallocate() }
    }

    // MARK: - State

    /// Forgets every position (a new conversation).
    public func reset() { position = 0 }

    /// Drops positions from `length` on, e.g. to rewind a conversation.
    public func rewind(to length: Int) { position = min(position, max(0, length)) }

    /// The final hidden state [C] (after the last norm) of the most recent position.
    public var lastHidden: [Float] { Array(lastHiddenState) }
    /// The same without a copy (valid until the next call).
    public var lastHiddenState: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: hiddenBuffer, count: config.dim) }

    /// The logits [V] of the most recent position (valid until the next call).
    public var lastLogits: UnsafeBufferPointer<Float> { UnsafeBufferPointer(start: logitsBuffer, count: config.vocabSize) }

    /// The whole token-embedding matrix [V, C] in float32 (dequantised).
    public func embeddingMatrix() -> [Float] {
        let (v, c) = (config.vocabSize, config.dim)
        var out = [Float](repeating: 0, count: v * c)
        out.withUnsafeMutableBufferPointer { embedding.rows(0..<v, into: $0.baseAddress!) }
        return out
    }

    /// The token-embedding matrix as a tensor [V, C] (float32, no gradient).
    public func embeddingTensor() -> Tensor { Tensor(embeddingMatrix(), shape: [config.vocabSize, config.dim]) }

    /// The float32 embedding row [C] of a token, e.g. to mix token and speech embeddings.
    public func embedding(of token: Int) throws -> [Float] {
        try checkToken(token)
        return embedding.row(token)
    }

    func checkToken(_ token: Int) throws {
        guard token >= 0 && token < config.vocabSize else { throw LlamaError.tokenOutOfRange(id: token, vocabularySize: config.vocabSize) }
    }

    func checkRoom(_ n: Int) throws {
        guard position + n <= capacity else { throw LlamaError.contextFull(needed: position + n, capacity: capacity) }
    }

    // MARK: - Decode

    /// Appends one token and returns the next-token logits [V] (valid until the next call).
    @discardableResult
    public func step(_ token: Int) throws -> UnsafeBufferPointer<Float> {
        try checkToken(token)
        try checkRoom(1)
        embedding.row(token, into: x)
        LlamaInference.decodePositions([self])
        return lastLogits
    }

    /// One position of each engine, whose input embedding is in its `x`; the engines share their
    /// weights (see `init(sharingWeightsOf:capacity:)`), so every product reads each weight row once
    /// for all of them. Each engine's arithmetic is the same whatever the others are: one engine
    /// alone gives bit for bit what it gives in a batch.
    static func decodePositions(_ engines: [LlamaInference]) {
        let lead = engines[0], c = lead.config, kvw = c.kvHeads * c.headDim, qw = c.heads * c.headDim
        let xbs = engines.map { UnsafePointer($0.xb) }, atts = engines.map { UnsafePointer($0.att) }
        let hbs = engines.map { UnsafePointer($0.hb) }, hiddens = engines.map { UnsafePointer($0.hiddenBuffer) }
        let qs = engines.map(\.q), xb2s = engines.map(\.xb2), hbOut = engines.map(\.hb), hb2Out = engines.map(\.hb2)
        var kRows = engines.map(\.x), vRows = kRows
        for (l, b) in lead.blocks.enumerated() {
            // Attention norm; where this position's key and value go in each cache.
            for (i, e) in engines.enumerated() {
                LlamaKernels.rmsNorm(e.x, weight: b.attentionNorm, eps: c.normEps, count: c.dim, into: e.xb)
                kRows[i] = e.keys + (l * e.capacity + e.position) * kvw
                vRows[i] = e.values + (l * e.capacity + e.position) * kvw
            }
            // Query, key and value projections (key and value straight into the cache), biases, rotation.
            QuantizedMatrix.matvec(batch: xbs, [(b.wq, qs), (b.wk, kRows), (b.wv, vRows)])
            for (i, e) in engines.enumerated() {
                e.addLoRA(.q, layer: l, e.xb, into: e.q)
                e.addLoRA(.k, layer: l, e.xb, into: kRows[i])
                e.addLoRA(.v, layer: l, e.xb, into: vRows[i])
                if let bias = b.qkvBias {
                    bias.withUnsafeBufferPointer { p in
                        LlamaKernels.add(p.baseAddress!, into: e.q, count: qw)
                        LlamaKernels.add(p.baseAddress! + qw, into: kRows[i], count: kvw)
                        LlamaKernels.add(p.baseAddress! + qw + kvw, into: vRows[i], count: kvw)
                    }
                }
                e.rotary.apply(e.q, heads: c.heads, headDim: c.headDim, pos: e.position)
                e.rotary.apply(kRows[i], heads: c.kvHeads, headDim: c.headDim, pos: e.position)
            }
            // Attention of each sequence over its own cache (one engine: split over the cores inside).
            SpinningPool.shared.run(tasks: engines.count) { i in engines[i].attendOne(layer: l, keys: engines[i].position + 1) }
            // Output projection into the residual stream.
            QuantizedMatrix.matvec(batch: atts, [(b.wo, xb2s)])
            for e in engines {
                e.addLoRA(.o, layer: l, e.att, into: e.xb2)
                LlamaKernels.add(e.xb2, into: e.x, count: c.dim)
                LlamaKernels.rmsNorm(e.x, weight: b.mlpNorm, eps: c.normEps, count: c.dim, into: e.xb)
            }
            // Feed-forward: SwiGLU(gate, up), down projection, residual.
            QuantizedMatrix.matvec(batch: xbs, [(b.gate, hbOut), (b.up, hb2Out)])
            for e in engines {
                e.addLoRA(.gate, layer: l, e.xb, into: e.hb)
                e.addLoRA(.up, layer: l, e.xb, into: e.hb2)
                LlamaKernels.swiglu(e.hb, e.hb2, count: c.ffnDim)
            }
            QuantizedMatrix.matvec(batch: hbs, [(b.down, xb2s)])
            for e in engines {
                e.addLoRA(.down, layer: l, e.hb, into: e.xb2)
                LlamaKernels.add(e.xb2, into: e.x, count: c.dim)
            }
        }
        // Final norm and the output head.
        for e in engines { LlamaKernels.rmsNorm(e.x, weight: e.outputNorm, eps: c.normEps, count: c.dim, into: e.hiddenBuffer) }
        QuantizedMatrix.matvec(batch: hiddens, [(lead.output, engines.map(\.logitsBuffer))])
        for e in engines { e.position += 1 }
    }
}
