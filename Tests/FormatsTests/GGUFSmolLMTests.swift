import XCTest
import Foundation
@testable import Formats

/// The real SmolLM2-135M-Instruct Q4_1 file (fetched by `echox model fetch smollm2`).
final class GGUFSmolLMTests: XCTestCase {
    static let fileName = "SmolLM2-135M-Instruct.Q4_1.gguf"

    static func modelURL() -> URL? {
        let homeModels = FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".echox/models", isDirectory: true)
        return [EchoXHome.models, homeModels]
            .map { $0.appendingPathComponent(fileName) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
    }

    func testOpensSmolLM2AndDequantisesLikeGGUFPy() throws {
        guard let url = Self.modelURL() else {
            XCTFail("\(Self.fileName) is not in $ECHOX_HOME/models or ~/.echox/models: run `echox model fetch smollm2`")
            return
        }
        let file = try GGUFFile(url: url)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.metadata.string("general.architecture"), "llama")
        XCTAssertEqual(file.metadata.int("llama.block_count"), 30)
        XCTAssertEqual(file.metadata.int("llama.embedding_length"), 576)
        XCTAssertEqual(file.metadata.int("llama.attention.head_count"), 9)
        XCTAssertEqual(file.metadata.int("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(file.metadata.float("llama.rope.freq_base"), 100_000)
        XCTAssertEqual(file.metadata.strings("tokenizer.ggml.tokens")?.count, 49152)
        XCTAssertEqual(file.tensors.count, 272)
        let counts = Dictionary(grouping: file.tensors, by: \.type).mapValues(\.count)
        XCTAssertEqual(counts, [.q4_1: 210, .f32: 61, .q8_0: 1])

        // Reference values from the PyPI gguf package (0.19.0):
        //   r = gguf.GGUFReader(path); t = {x.name: x for x in r.tensors}
        //   d = gguf.quants.dequantize(t[name].data, t[name].tensor_type); d[row, col]
        let q = try file.requireTensor("blk.0.attn_q.weight")
        XCTAssertEqual(q.type, .q4_1)
        XCTAssertEqual(q.shape, [576, 576])
        let qValues = try file.floats(of: q)
        for (row, col, value) in [(0, 0, -0.0963134765625), (0, 1, 0.1573486328125), (0, 31, -0.0963134765625),
                                  (0, 32, -0.34619140625), (17, 100, 0.3212890625), (575, 575, -0.255859375)] {
            XCTAssertEqual(qValues[row * 576 + col], Float(value), "attn_q[\(row), \(col)]")
        }
        let down = try file.requireTensor("blk.29.ffn_down.weight")
        XCTAssertEqual(down.shape, [576, 1536])
        let downMatrix = try QuantizedMatrix(file: file, tensor: down)
        XCTAssertEqual([downMatrix.rows, downMatrix.cols], [576, 1536])
        XCTAssertEqual(downMatrix.row(3)[1535], Float(0.0474853515625))
        XCTAssertEqual(downMatrix.row(575)[0], Float(-0.22918701171875))

        // The fast product on real weights against dequantise-then-multiply (Double sums).
        let x = (0..<1536).map { Float(sin(Double($0) * 0.37)) }
        let w = downMatrix.dequantised()
        let y = downMatrix.matvec(x)
        for r in stride(from: 0, to: 576, by: 7) {
            var exact = 0.0, size = 0.0
            for c in 0..<1536 { exact += Double(w[r * 1536 + c]) * Double(x[c]); size += abs(Double(w[r * 1536 + c]) * Double(x[c])) }
            XCTAssertLessThanOrEqual(abs(Double(y[r]) - exact), 1e-5 * size, "ffn_down row \(r)")
        }

        let embedding = try file.requireTensor("token_embd.weight")
        XCTAssertEqual(embedding.type, .q8_0)
        XCTAssertEqual(embedding.shape, [49152, 576])
        let table = try QuantizedMatrix(file: file, tensor: embedding)
        for (row, col, value) in [(0, 0, -0.10654449462890625), (1, 5, -0.0079345703125),
                                  (12345, 300, -0.10790634155273438), (49151, 575, -0.0417022705078125)] {
            XCTAssertEqual(table.row(row)[col], Float(value), "token_embd[\(row), \(col)]")
        }
        let all = try file.floats(of: embedding)
        XCTAssertEqual(all[12345 * 576 + 300], Float(-0.10790634155273438))
    }
}
