import Foundation

// MARK: - Band-limited resampling (polyphase windowed sinc, Kaiser window)

/// Converts between any two sample rates with a Kaiser-windowed sinc filter whose cutoff sits
/// at `rolloff` × the lower of the two Nyquist frequencies. The filter is tabulated once per
/// phase of the rational ratio; ratios with more than `maxPhases` phases interpolate linearly
/// between neighbouring rows of a `maxPhases`-row table.
public struct Resampler: Sendable {
    public let inputRate: Int
    public let outputRate: Int
    /// Upsampling factor L and downsampling factor M of the reduced ratio outputRate/inputRate = L/M.
    let up: Int, down: Int
    /// Taps on each side of the centre, and the padded row length (a multiple of 8).
    let half: Int, rowLength: Int
    /// Rows in the table (phases), and whether row `p` is exactly phase p/L.
    let rows: Int, exact: Bool
    /// (rows + 1) × rowLength filter coefficients.
    let table: [Float]

    public static let maxPhases = 1024
    /// Largest filter table built (coefficients), about 64 MB.
    public static let maxTableSize = 16 << 20

    /// - Parameters:
    ///   - zeroCrossings: sinc zero crossings kept on each side (filter length ≈ 2·zeroCrossings/cutoff).
    ///   - rolloff: cutoff as a fraction of the lower Nyquist frequency.
    ///   - kaiserBeta: Kaiser window shape (8.6 ≈ 80 dB stop-band attenuation).
    public init(from inputRate: Int, to outputRate: Int, zeroCrossings: Int = 32,
                rolloff: Double = 0.94, kaiserBeta: Double = 8.6) throws {
        guard inputRate > 0, outputRate > 0 else {
            throw AudioError.invalidArgument("resampling needs positive sample rates, got \(inputRate) → \(outputRate) Hz")
        }
        guard zeroCrossings >= 1, rolloff > 0, rolloff <= 1, kaiserBeta >= 0 else {
            throw AudioError.invalidArgument("resampler needs zeroCrossings ≥ 1, 0 < rolloff ≤ 1, kaiserBeta ≥ 0")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        let g = greatestCommonDivisor(inputRate, outputRate)
        up = outputRate / g
        down = inputRate / g
        let cutoff = rolloff * min(1, Double(up) / Double(down))   // fraction of the input Nyquist
        let halfWidth = (Double(zeroCrossings) / cutoff).rounded(.up)
        exact = up <= Resampler.maxPhases
        rows = exact ? up : Resampler.maxPhases
        guard halfWidth * 2 * Double(rows + 1) <= Double(Resampler.maxTableSize) else {
            throw AudioError.invalidArgument("resampling \(inputRate) → \(outputRate) Hz needs a filter table larger than \(Resampler.maxTableSize) coefficients; resample in two steps through an intermediate rate")
        }
        half = Int(halfWidth)
        rowLength = (2 * half + 7) / 8 * 8
        var table = [Float](repeating: 0, count: (rows + 1) * rowLength)
        let windowNorm = 1 / besselI0(kaiserBeta)
        for p in 0...rows {
            let frac = Double(p) / Double(rows)
            var sum = 0.0
            var row = [Double](repeating: 0, count: 2 * half)
            for j in 0..<(2 * half) {
                let t = frac + Double(half - 1 - j)          // distance from output time to input sample
                let u = t / Double(half)
                guard abs(u) < 1 else { continue }
                let x = Double.pi * cutoff * t
                let sinc = x == 0 ? 1 : sin(x) / x
                let window = besselI0(kaiserBeta * (1 - u * u).squareRoot()) * windowNorm
                row[j] = cutoff * sinc * window
                sum += row[j]
            }
            for j in 0..<(2 * half) { table[p * rowLength + j] = Float(row[j] / sum) }   // unit DC gain
        }
        self.table = table
    }

    /// Number of output samples for `count` input samples: ⌈count · out / in⌉.
    public func outputCount(forInputCount count: Int) -> Int {
        let (product, overflow) = count.multipliedReportingOverflow(by: up)
        return overflow ? Int(Double(count) * Double(up) / Double(down)) : (product + down - 1) / down
    }

    /// Resamples one signal.
    public func process(_ input: [Float]) -> [Float] {
        if up == down || input.isEmpty { return input }
        let outCount = outputCount(forInputCount: input.count)
        // Zero padding on both sides so every filter window reads inside the buffer.
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: input.count + 2 * half + rowLength + 1)
        defer { padded.deallocate() }
        padded.initialize(repeating: 0, count: input.count + 2 * half + rowLength + 1)
        input.withUnsafeBufferPointer { (padded + half).update(from: $0.baseAddress!, count: input.count) }
        let step = down / up, stepRemainder = down % up
        let scale = Double(rows) / Double(up)
        return [Float](unsafeUninitializedCapacity: outCount) { out, initialized in
            table.withUnsafeBufferPointer { tableBuffer in
                let coefficients = tableBuffer.baseAddress!
                var base = 0, remainder = 0   // output time = base + remainder / up (input samples)
                for n in 0..<outCount {
                    let window = padded + base + 1
                    if exact {
                        out[n] = dotProduct(window, coefficients + remainder * rowLength, rowLength)
                    } else {
                        let position = Double(remainder) * scale
                        let row = min(Int(position), rows - 1)
                        let w = Float(position - Double(row))
                        let a = dotProduct(window, coefficients + row * rowLength, rowLength)
                        let b = dotProduct(window, coefficients + (row + 1) * rowLength, rowLength)
                        out[n] = a + w * (b - a)
                    }
                    base += step
                    remainder += stepRemainder
                    if remainder >= up { remainder -= up; base += 1 }
                }
            }
            initialized = outCount
        }
    }

    /// Resamples `x` from one rate to another (a copy when the rates are equal). Rates usually come from
    /// a file's header, so the size of the result is checked against memory before it is allocated.
    public static func resample(_ x: [Float], from inputRate: Int, to outputRate: Int) throws -> [Float] {
        if inputRate == outputRate && inputRate > 0 { return x }
        let resampler = try Resampler(from: inputRate, to: outputRate)
        let count = resampler.outputCount(forInputCount: x.count)
        let limit = Int(min(UInt64(1) << 32, ProcessInfo.processInfo.physicalMemory / 2) / UInt64(MemoryLayout<Float>.size))
        guard count <= limit else {
            throw AudioError.invalidArgument("resampling \(x.count) samples from \(inputRate) to \(outputRate) Hz would make \(count) samples, more than the \(limit) that fit in memory; check the recording's sample rate (a damaged header can claim a very low one) or resample a shorter piece")
        }
        return resampler.process(x)
    }
}
