import Foundation
import XCTest
@testable import Audio

// MARK: - Signals and measurements shared by the audio tests

/// A sine of `frequency` Hz, `seconds` long, at `rate`.
func sine(_ frequency: Double, rate: Int, seconds: Double, amplitude: Float = 0.5, phase: Double = 0) -> [Float] {
    let n = Int(Double(rate) * seconds)
    return (0..<n).map { amplitude * Float(sin(2 * Double.pi * frequency * Double($0) / Double(rate) + phase)) }
}

/// Mean square of x[from..<to].
func meanSquare(_ x: ArraySlice<Float>) -> Double {
    x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))
}

/// Frequency from rising zero crossings, each located by linear interpolation.
func zeroCrossingFrequency(_ x: ArraySlice<Float>, rate: Int) -> Double {
    var first: Double?, last = 0.0, crossings = 0
    var i = x.startIndex
    while i + 1 < x.endIndex {
        let a = Double(x[i]), b = Double(x[i + 1])
        if a < 0 && b >= 0 {
            let t = Double(i) + a / (a - b)
            if first == nil { first = t }
            last = t
            crossings += 1
        }
        i += 1
    }
    guard let start = first, crossings > 1 else { return 0 }
    return Double(crossings - 1) * Double(rate) / (last - start)
}

/// A fresh temporary directory removed when the test case ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("audio-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Bytes of a canonical 16-bit PCM WAV file with interleaved samples.
func wavBytes(interleaved: [Int16], channels: Int, rate: Int) -> Data {
    var data = Data()
    func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
    func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
    let payload = interleaved.count * 2
    data.append(contentsOf: Array("RIFF".utf8)); u32(36 + payload)
    data.append(contentsOf: Array("WAVE".utf8))
    data.append(contentsOf: Array("fmt ".utf8)); u32(16); u16(1); u16(channels); u32(rate)
    u32(rate * channels * 2); u16(channels * 2); u16(16)
    data.append(contentsOf: Array("data".utf8)); u32(payload)
    for s in interleaved { withUnsafeBytes(of: s.littleEndian) { data.append(contentsOf: $0) } }
    return data
}

/// Runs a command-line tool, failing the test with an install hint when it is missing.
func runTool(_ name: String, _ arguments: [String], installHint: String) throws {
    let path = ["/usr/bin", "/usr/local/bin", "/bin"].map { $0 + "/" + name }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let executable = path else {
        XCTFail("\(name) is not installed; install it with `\(installHint)`")
        throw CocoaError(.fileNoSuchFile)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 0, "\(name) \(arguments.joined(separator: " ")) failed")
}
