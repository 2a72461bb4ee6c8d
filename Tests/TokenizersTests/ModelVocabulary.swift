import Foundation
import XCTest
import Formats
@testable import Tokenizers

/// Loads the SmolLM2 tokenizer metadata once per test run.
///
/// The metadata is read with the PyPI `gguf` package into JSON and converted to `GGUFValue`,
/// so the tokenizer is built through `BPETokenizer(metadata:)`.
/// When GGUFFile lands: load metadata directly with `GGUFFile(url:).metadata`.
enum ModelVocabulary {
    static let modelURL = EchoXHome.models.appendingPathComponent("SmolLM2-135M-Instruct.Q4_1.gguf")
    static let goldenURL = URL(fileURLWithPath: "/work/shared/golden/smollm2_greedy.jsonl")

    struct Failure: Error, CustomStringConvertible { let description: String }

    static let smolLM2: Result<BPETokenizer, Error> = Result {
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            throw Failure(description: "model file \(modelURL.path) is missing: run `echox model fetch smollm2`")
        }
        let clock = ContinuousClock()
        var metadata: [String: GGUFValue] = [:]
        let read = try clock.measure { metadata = try dumpTokenizerMetadata(modelURL) }
        var tokenizer: BPETokenizer?
        let build = try clock.measure { tokenizer = try BPETokenizer(metadata: metadata) }
        print("SmolLM2 tokenizer: metadata read in \(read), built in \(build)")
        return tokenizer!
    }

    /// The model's tokenizer, or a test failure explaining what is missing.
    static func tokenizer() throws -> BPETokenizer {
        try smolLM2.get()
    }

    // MARK: - Metadata through python3 + gguf

    private static let script = """
    import gguf, json, sys
    r = gguf.GGUFReader(sys.argv[1])
    out = {}
    for name, f in r.fields.items():
        if not name.startswith('tokenizer.'):
            continue
        t = f.types
        T = gguf.GGUFValueType
        if t[0] == T.ARRAY:
            if t[-1] == T.STRING:
                out[name] = {'type': 'strings', 'value': [bytes(f.parts[i]).decode('utf-8') for i in f.data]}
            else:
                out[name] = {'type': 'ints', 'value': [int(f.parts[i][0]) for i in f.data]}
        elif t[0] == T.STRING:
            out[name] = {'type': 'string', 'value': bytes(f.parts[f.data[0]]).decode('utf-8')}
        elif t[0] == T.BOOL:
            out[name] = {'type': 'bool', 'value': bool(f.parts[f.data[0]][0])}
        elif t[0] in (T.FLOAT32, T.FLOAT64):
            continue
        else:
            out[name] = {'type': 'int', 'value': int(f.parts[f.data[0]][0])}
    json.dump(out, open(sys.argv[2], 'w'), ensure_ascii=False)
    """

    static func dumpTokenizerMetadata(_ model: URL) throws -> [String: GGUFValue] {
        let out = FileManager.default.temporaryDirectory
            .appendingPathComponent("echox-tokenizer-\(ProcessInfo.processInfo.processIdentifier).json")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, model.path, out.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 with the gguf package could not read \(model.path) (pip install gguf): \(errorText)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: [String: Any]] ?? [:]
        var metadata: [String: GGUFValue] = [:]
        for (key, entry) in json {
            switch (entry["type"] as? String, entry["value"]) {
            case ("strings", let v as [String]): metadata[key] = .array(v.map { .string($0) })
            case ("ints", let v as [Int]): metadata[key] = .array(v.map { .int32(Int32($0)) })
            case ("string", let v as String): metadata[key] = .string(v)
            case ("bool", let v as Bool): metadata[key] = .bool(v)
            case ("int", let v as Int): metadata[key] = .uint32(UInt32(v))
            default: throw Failure(description: "unexpected metadata entry \(key) in the dump")
            }
        }
        return metadata
    }

    // MARK: - Golden file

    /// The golden lines of one kind ("tokenize" or "greedy").
    static func golden(_ kind: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: goldenURL, encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return obj?["kind"] as? String == kind ? obj : nil
        }
    }
}
