import Tensor

// MARK: - Spectrogram containers (row-major, one row per frame)

/// Real time–frequency values: `frames` rows of `bins` values each (e.g. power, magnitude, log-mel).
public struct Spectrogram: Sendable, Equatable {
    public private(set) var frames: Int
    public private(set) var bins: Int
    /// Row-major [frames, bins].
    public var values: [Float]

    /// Throws unless `values` holds exactly frames × bins numbers.
    public init(frames: Int, bins: Int, values: [Float]) throws {
        guard frames >= 0, bins >= 0, values.count == frames * bins else {
            throw AudioError.invalidArgument("a \(frames)×\(bins) spectrogram needs \(max(0, frames * bins)) values, got \(values.count)")
        }
        self.init(unchecked: frames, bins: bins, values: values)
    }

    /// A [T, bins] tensor as a spectrogram (e.g. a predicted log-mel).
    public init(tensor: Tensor) throws {
        guard tensor.rank == 2 else {
            throw AudioError.invalidArgument("a spectrogram tensor must have shape [T, bins], got \(tensor.shape)")
        }
        let values = Array(UnsafeBufferPointer(start: tensor.data, count: tensor.count))
        self.init(unchecked: tensor.shape[0], bins: tensor.shape[1], values: values)
    }

    init(unchecked frames: Int, bins: Int, values: [Float]) {
        self.frames = frames
        self.bins = bins
        self.values = values
    }

    /// Values of one frame.
    public func frame(_ t: Int) -> ArraySlice<Float> { values[(t * bins)..<((t + 1) * bins)] }

    /// The values as a [frames, bins] tensor.
    public var tensor: Tensor { Tensor(values, shape: [frames, bins]) }
}

/// Complex STFT output: split real and imaginary parts, each row-major [frames, bins].
public struct ComplexSpectrogram: Sendable, Equatable {
    public private(set) var frames: Int
    public private(set) var bins: Int
    public var real: [Float]
    public var imaginary: [Float]

    /// Throws unless both parts hold exactly frames × bins numbers.
    public init(frames: Int, bins: Int, real: [Float], imaginary: [Float]) throws {
        guard frames >= 0, bins >= 0, real.count == frames * bins, imaginary.count == frames * bins else {
            throw AudioError.invalidArgument("a \(frames)×\(bins) complex spectrogram got \(real.count) real and \(imaginary.count) imaginary values")
        }
        self.init(unchecked: frames, bins: bins, real: real, imaginary: imaginary)
    }

    init(unchecked frames: Int, bins: Int, real: [Float], imaginary: [Float]) {
        self.frames = frames
        self.bins = bins
        self.real = real
        self.imaginary = imaginary
    }

    /// |X|² per bin.
    public var power: Spectrogram {
        var out = [Float](repeating: 0, count: real.count)
        for i in 0..<real.count { out[i] = real[i] * real[i] + imaginary[i] * imaginary[i] }
        return Spectrogram(unchecked: frames, bins: bins, values: out)
    }

    /// |X| per bin.
    public var magnitude: Spectrogram {
        var out = power
        for i in 0..<out.values.count { out.values[i] = out.values[i].squareRoot() }
        return out
    }
}
