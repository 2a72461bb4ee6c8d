import Foundation
import Tensor

// MARK: - Griffin-Lim phase reconstruction from (log-)mel spectrograms

/// Turns magnitudes back into a waveform with the fast Griffin-Lim algorithm (Perraudin, Balazs
/// & Søndergaard 2013): c_n = P_mag(P_stft(t_{n−1})), t_n = c_n + α(c_n − c_{n−1}), starting
/// from random phases. Log-mel input is first mapped back to a linear power spectrum by a
/// non-negative least-squares fit (multiplicative updates) to the mel filterbank.
public struct GriffinLim: Sendable {
    /// Phase-retrieval iterations.
    public var iterations: Int = 32
    /// Momentum α (0 gives the classic algorithm).
    public var momentum: Float = 0.99
    /// Multiplicative-update iterations of the mel → linear power fit.
    public var melInversionIterations: Int = 40
    /// Seed of the initial random phases.
    public var seed: UInt64 = 0x5EED

    public init(iterations: Int = 32, momentum: Float = 0.99, melInversionIterations: Int = 40, seed: UInt64 = 0x5EED) {
        self.iterations = iterations
        self.momentum = momentum
        self.melInversionIterations = melInversionIterations
        self.seed = seed
    }

    // MARK: - Mel → linear

    /// Non-negative linear power P [T, nFFT/2 + 1] with P · filterbankᵀ ≈ mel power, by Lee–Seung
    /// updates P ← P ⊙ (M F) / (P FᵀF) from a band-average start; bins no filter covers stay 0.
    public func linearPower(fromLogMel logMel: Spectrogram, extractor: LogMel) throws -> Spectrogram {
        let mels = extractor.config.nMels, bins = extractor.config.nFFT / 2 + 1, frames = logMel.frames
        guard logMel.bins == mels else {
            throw AudioError.invalidArgument("log-mel has \(logMel.bins) bands but the extractor makes \(mels)")
        }
        if let bad = logMel.values.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.invalidArgument("log-mel value \(bad) (frame \(bad / max(1, mels))) is \(logMel.values[bad]); Griffin-Lim needs finite input")
        }
        let f = extractor.filterbank                                    // [mels, bins]
        let mel = logMel.values.map { exp(min($0, 80)) }                // [T, mels]
        var rowSum = [Float](repeating: 0, count: mels), columnSum = [Float](repeating: 0, count: bins)
        for m in 0..<mels { for k in 0..<bins { rowSum[m] += f[m * bins + k]; columnSum[k] += f[m * bins + k] } }
        // Start: every bin takes the filter-weighted average of its bands' per-bin power.
        var p = [Float](repeating: 0, count: frames * bins)
        for t in 0..<frames {
            for m in 0..<mels where rowSum[m] > 0 {
                let perBin = mel[t * mels + m] / rowSum[m]
                for k in 0..<bins { p[t * bins + k] += f[m * bins + k] * perBin }
            }
            for k in 0..<bins { p[t * bins + k] = columnSum[k] > 0 ? p[t * bins + k] / columnSum[k] : 0 }
        }
        guard frames > 0 else { return Spectrogram(unchecked: 0, bins: bins, values: []) }
        var gram = [Float](repeating: 0, count: bins * bins)            // FᵀF [bins, bins]
        var numerator = [Float](repeating: 0, count: frames * bins)     // M F [T, bins]
        var denominator = numerator
        f.withUnsafeBufferPointer { fp in
            gemm(transA: true, transB: false, m: bins, n: bins, k: mels, fp.baseAddress!, lda: bins,
                 fp.baseAddress!, ldb: bins, &gram, ldc: bins)
            mel.withUnsafeBufferPointer { mp in
                gemm(transA: false, transB: false, m: frames, n: bins, k: mels, mp.baseAddress!, lda: mels,
                     fp.baseAddress!, ldb: bins, &numerator, ldc: bins)
            }
        }
        let tiny: Float = 1e-20
        for _ in 0..<melInversionIterations {
            gemm(transA: false, transB: false, m: frames, n: bins, k: bins, p, lda: bins, gram, ldb: bins,
                 &denominator, ldc: bins)
            for i in 0..<p.count { p[i] *= numerator[i] / (denominator[i] + tiny) }
        }
        return Spectrogram(unchecked: frames, bins: bins, values: p)
    }

    // MARK: - Phase retrieval

    /// A waveform of `length` samples (default (T − 1)·hop) whose STFT magnitude approximates `magnitude`.
    public func reconstruct(magnitude: Spectrogram, stft: STFT, length: Int? = nil) throws -> [Float] {
        guard magnitude.bins == stft.bins else {
            throw AudioError.invalidArgument("magnitude has \(magnitude.bins) bins but the STFT makes \(stft.bins)")
        }
        guard iterations >= 0, momentum >= 0, momentum < 1 else {
            throw AudioError.invalidArgument("Griffin-Lim needs iterations ≥ 0 and 0 ≤ momentum < 1")
        }
        let frames = magnitude.frames
        let outLength = length ?? max(0, (frames - 1) * stft.hopLength)
        guard frames > 0, outLength > 0 else { return [Float](repeating: 0, count: max(0, outLength)) }
        let a = magnitude.values
        var rng = SplitMix(seed)
        var current = ComplexSpectrogram(unchecked: frames, bins: stft.bins, real: a, imaginary: a)
        for i in 0..<a.count {
            let phase = Float(rng.nextUnit() * 2 * Double.pi)
            current.real[i] = a[i] * cos(phase)
            current.imaginary[i] = a[i] * sin(phase)
        }
        var previous = current, extrapolated = current
        for _ in 0..<iterations {
            let rebuilt = stft.forward(stft.overlapAdd(extrapolated, length: outLength))
            guard rebuilt.frames == frames else { break }
            for i in 0..<a.count {
                let re = rebuilt.real[i], im = rebuilt.imaginary[i]
                let norm = (re * re + im * im).squareRoot()
                let scale = norm > 1e-12 ? a[i] / norm : 0
                let cr = norm > 1e-12 ? re * scale : a[i], ci = im * scale
                extrapolated.real[i] = cr + momentum * (cr - previous.real[i])
                extrapolated.imaginary[i] = ci + momentum * (ci - previous.imaginary[i])
                current.real[i] = cr
                current.imaginary[i] = ci
            }
            previous = current
        }
        return stft.overlapAdd(current, length: outLength)
    }

    /// A waveform from a log-mel spectrogram made by `extractor`.
    public func reconstruct(logMel: Spectrogram, extractor: LogMel, length: Int? = nil) throws -> [Float] {
        var magnitude = try linearPower(fromLogMel: logMel, extractor: extractor)
        for i in 0..<magnitude.values.count { magnitude.values[i] = magnitude.values[i].squareRoot() }
        return try reconstruct(magnitude: magnitude, stft: extractor.stft, length: length)
    }

    /// ‖target − |STFT(signal)|‖_F / ‖target‖_F, the usual Griffin-Lim convergence measure.
    public static func spectralConvergence(target: Spectrogram, signal: [Float], stft: STFT) -> Float {
        let estimate = stft.forward(signal).magnitude
        let n = min(estimate.values.count, target.values.count)
        var diff: Double = 0, norm: Double = 0
        for i in 0..<n {
            let d = Double(target.values[i] - estimate.values[i])
            diff += d * d
            norm += Double(target.values[i]) * Double(target.values[i])
        }
        return norm > 0 ? Float((diff / norm).squareRoot()) : 0
    }
}

/// Small deterministic generator for the initial phases.
struct SplitMix {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
