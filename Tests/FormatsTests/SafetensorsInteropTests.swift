import Foundation
import XCTest
@testable import Formats
import Tensor

/// Files written here load in Python's reference `safetensors` package with identical values, and
/// files written there (F32, F16, BF16, I64, metadata) load here with identical values.
final class SafetensorsInteropTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("echox-st-interop-\(getpid())-\(name.hashValue)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    /// Runs a Python script; fails the test (with the install hint) when python3, numpy or safetensors is missing.
    func runPython(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.currentDirectoryURL = directory
        let errors = Pipe(), output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stdout = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if stderr.contains("ModuleNotFoundError") || process.terminationStatus == 127 {
            XCTFail("python3 with numpy and safetensors is needed for this test: run `pip install safetensors numpy`\n\(stderr)", file: file, line: line)
            return
        }
        XCTAssertEqual(process.terminationStatus, 0, "python failed:\n\(stdout)\n\(stderr)", file: file, line: line)
    }

    // MARK: - Written here, read by the reference

    func testPythonReadsOurFile() throws {
        var rng = SeededRandom(seed: 61)
        let weights = Tensor.randn([3, 4], rng: &rng)
        let special = Tensor([0, -0.0, .infinity, -.infinity, Float.leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-40, -3.5],
                             shape: [2, 4])
        let half = Tensor([1, -0.5, 1000, 3.14159, 6e-5], shape: [5])
        let url = directory.appendingPathComponent("ours.safetensors")
        try Safetensors.write([SafetensorsRecord(name: "encoder.weight", tensor: weights),
                               SafetensorsRecord(name: "special", tensor: special),
                               SafetensorsRecord(name: "half", tensor: half, as: .f16),
                               SafetensorsRecord(name: "step", ints: [987_654_321_012], shape: [])],
                              metadata: ["run": "interop", "unicode": "naïve ✓"], to: url)
        let expected: [String: Any] = [
            "encoder.weight": weights.scalars.map(\.bitPattern), "special": special.scalars.map(\.bitPattern),
            "half": half.scalars.map { Float16($0).bitPattern },
        ]
        try JSONSerialization.data(withJSONObject: expected).write(to: directory.appendingPathComponent("expected.json"))
        try runPython("""
        import json, numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file
        t = load_file("ours.safetensors")
        e = json.load(open("expected.json"))
        assert sorted(t) == ["encoder.weight", "half", "special", "step"], sorted(t)
        assert t["encoder.weight"].dtype == np.float32 and t["encoder.weight"].shape == (3, 4)
        assert t["encoder.weight"].view(np.uint32).ravel().tolist() == e["encoder.weight"], "F32 bits differ"
        assert t["special"].shape == (2, 4) and t["special"].view(np.uint32).ravel().tolist() == e["special"], "special bits differ"
        assert t["half"].dtype == np.float16 and t["half"].view(np.uint16).tolist() == e["half"], "F16 bits differ"
        assert t["step"].dtype == np.int64 and t["step"].shape == () and int(t["step"]) == 987654321012
        with safe_open("ours.safetensors", framework="np") as f:
            assert f.metadata() == {"run": "interop", "unicode": "naïve ✓"}, f.metadata()
        print("ok")
        """)
    }

    // MARK: - Written by the reference, read here

    func testWeReadPythonFile() throws {
        try runPython("""
        import json, numpy as np, safetensors
        from safetensors.numpy import save
        rng = np.random.default_rng(0)
        f32 = rng.standard_normal((4, 3)).astype(np.float32)
        f16 = rng.standard_normal(7).astype(np.float16)
        bf16 = (rng.standard_normal((2, 2)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
        spec = lambda dtype, a: safetensors.TensorSpec(dtype=dtype, shape=a.shape, data_ptr=a.ctypes.data, data_len=a.nbytes)
        steps = np.array([12345, -2], dtype=np.int64)
        safetensors.serialize_file({"model.f32": spec("float32", f32), "model.f16": spec("float16", f16),
                                    "model.bf16": spec("bfloat16", bf16), "steps": spec("int64", steps)},
                                   "theirs.safetensors", metadata={"format": "np", "epoch": "7"})
        json.dump({"f32": f32.view(np.uint32).ravel().tolist(), "f16": f16.view(np.uint16).tolist(),
                   "bf16": bf16.ravel().tolist()}, open("expected.json", "w"))
        print("ok")
        """)
        let file = try Safetensors.read(directory.appendingPathComponent("theirs.safetensors"))
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("expected.json"))) as? [String: [Int]])
        XCTAssertEqual(file.metadata, ["format": "np", "epoch": "7"])
        XCTAssertEqual(Set(file.names), ["model.f32", "model.f16", "model.bf16", "steps"])
        let f32 = try file.tensor(named: "model.f32")
        XCTAssertEqual(f32.shape, [4, 3])
        XCTAssertEqual(f32.scalars.map { Int($0.bitPattern) }, expected["f32"])
        let f16 = try file.tensor(named: "model.f16")
        XCTAssertEqual(try file.entry(named: "model.f16").dtype, .f16)
        XCTAssertEqual(f16.scalars, expected["f16"]!.map { Float(Float16(bitPattern: UInt16($0))) })
        let bf16 = try file.tensor(named: "model.bf16")
        XCTAssertEqual(bf16.shape, [2, 2])
        XCTAssertEqual(bf16.scalars, expected["bf16"]!.map { Float(bitPattern: UInt32($0) << 16) })
        XCTAssertEqual(try file.ints(named: "steps"), [12345, -2])
    }
}
