import Foundation

// MARK: - Mel configuration

/// Parameters of the log-mel front end (default: 16 kHz, 25 ms Hann window in a 512-point FFT,
/// 10 ms hop, 80 bands over 0–8000 Hz).
public struct MelConfig: Codable, Equatable, Sendable {
    public var sampleRate: Int = 16_000
    public var nFFT: Int = 512
    public var winLength: Int = 400
    public var hopLength: Int = 160
    public var nMels: Int = 80
    public var fMin: Double = 0
    public var fMax: Double = 8_000

    public init(sampleRate: Int = 16_000, nFFT: Int = 512, winLength: Int = 400, hopLength: Int = 160,
                nMels: Int = 80, fMin: Double = 0, fMax: Double = 8_000) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.winLength = winLength
        self.hopLength = hopLength
        self.nMels = nMels
        self.fMin = fMin
        self.fMax = fMax
    }

    /// Throws when a field is out of range, naming it.
    public func validate() throws {
        func fail(_ what: String) throws { throw AudioError.invalidArgument("MelConfig: \(what)") }
        if sampleRate < 1 { try fail("sampleRate must be positive, got \(sampleRate)") }
        if nFFT < 2 { try fail("nFFT must be at least 2, got \(nFFT)") }
        if winLength < 1 || winLength > nFFT { try fail("winLength must be in 1...nFFT (\(nFFT)), got \(winLength)") }
        if hopLength < 1 { try fail("hopLength must be positive, got \(hopLength)") }
        if nMels < 1 { try fail("nMels must be positive, got \(nMels)") }
        if !(fMin >= 0 && fMin < fMax && fMax <= Double(sampleRate) / 2) {
            try fail("need 0 ≤ fMin < fMax ≤ sampleRate/2 (\(sampleRate / 2)), got fMin \(fMin), fMax \(fMax)")
        }
    }
}

// MARK: - Slaney mel scale and filterbank

/// Triangular mel filters on the Slaney mel scale (linear below 1 kHz at 200/3 Hz per mel,
/// logarithmic above with 27 mels per factor 6.4), each normalised to unit area
/// ("slaney" norm: weights × 2 / bandwidth), as in the Auditory Toolbox and librosa's default.
public enum MelScale {
    private static let linearStep = 200.0 / 3
    private static let breakHz = 1000.0
    private static let breakMel = breakHz / linearStep
    private static let logStep = log(6.4) / 27

    /// Hertz to Slaney mels.
    public static func mel(fromHz hz: Double) -> Double {
        hz < breakHz ? hz / linearStep : breakMel + log(hz / breakHz) / logStep
    }

    /// Slaney mels to Hertz.
    public static func hz(fromMel mel: Double) -> Double {
        mel < breakMel ? mel * linearStep : breakHz * exp(logStep * (mel - breakMel))
    }

    /// Centre frequencies (Hz) of the `nMels` bands, with the two outer edges: nMels + 2 values.
    public static func bandEdges(_ config: MelConfig) -> [Double] {
        let low = mel(fromHz: config.fMin), high = mel(fromHz: config.fMax)
        return (0..<(config.nMels + 2)).map { hz(fromMel: low + (high - low) * Double($0) / Double(config.nMels + 1)) }
    }

    /// Filterbank weights, row-major [nMels, nFFT/2 + 1].
    public static func filterbank(_ config: MelConfig) -> [Float] {
        let bins = config.nFFT / 2 + 1
        let edges = bandEdges(config)
        var weights = [Float](repeating: 0, count: config.nMels * bins)
        for m in 0..<config.nMels {
            let (lo, centre, hi) = (edges[m], edges[m + 1], edges[m + 2])
            let norm = 2 / (hi - lo)
            for k in 0..<bins {
                let f = Double(k) * Double(config.sampleRate) / Double(config.nFFT)
                let rising = (f - lo) / (centre - lo), falling = (hi - f) / (hi - centre)
                let w = max(0, min(rising, falling))
                weights[m * bins + k] = Float(w * norm)
            }
        }
        return weights
    }
}
