// MARK: - Spectrogram containers (row-major, one row per frame)

/// Real time–frequency values: `frames` rows of `bins` values each (e.g. power, magnitude, log-mel).
public struct Spectrogram: Sendable, Equatable {
    public var frames: Int
    public var bins: Int
    /// Row-major [frames, bins].
    public var values: [Float]

    public init(frames: Int, bins: Int, values: [Float]) {
        precondition(frames >= 0 && bins >= 0 && values.count == frames * bins,
                     "spectrogram of \(frames)×\(bins) needs \(frames * bins) values, got \(values.count)")
        self.frames = frames
        self.bins = bins
        self.values = values
    }

    /// Values of one frame.
    public func frame(_ t: Int) -> ArraySlice<Float> { values[(t * bins)..<((t + 1) * bins)] }
}

/// Complex STFT output: split real and imaginary parts, each row-major [frames, bins].
public struct ComplexSpectrogram: Sendable, Equatable {
    public var frames: Int
    public var bins: Int
    public var real: [Float]
    public var imaginary: [Float]

    public init(frames: Int, bins: Int, real: [Float], imaginary: [Float]) {
        precondition(real.count == frames * bins && imaginary.count == frames * bins,
                     "complex spectrogram of \(frames)×\(bins) has \(real.count)/\(imaginary.count) values")
        self.frames = frames
        self.bins = bins
        self.real = real
        self.imaginary = imaginary
    }

    /// |X|² per bin.
    public var power: Spectrogram {
        var out = [Float](repeating: 0, count: real.count)
        for i in 0..<real.count { out[i] = real[i] * real[i] + imaginary[i] * imaginary[i] }
        return Spectrogram(frames: frames, bins: bins, values: out)
    }

    /// |X| per bin.
    public var magnitude: Spectrogram {
        var out = power
        for i in 0..<out.values.count { out.values[i] = out.values[i].squareRoot() }
        return out
    }
}
