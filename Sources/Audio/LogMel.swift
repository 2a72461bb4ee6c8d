import Foundation
import Tensor

// MARK: - Log-mel spectrogram and MFCC

/// Log-mel features: power STFT (see `STFT`) → Slaney mel filterbank (see `MelScale`) →
/// natural log with a floor, log(max(mel power, 1e-10)). Samples are expected at
/// `config.sampleRate` in [-1, 1]. Holds scratch buffers: use one instance per thread.
public final class LogMel {
    public let config: MelConfig
    /// Row-major [nMels, nFFT/2 + 1].
    public let filterbank: [Float]
    public let stft: STFT
    /// Smallest mel power before the log (log floor = ln 1e-10 ≈ −23.03).
    public static let powerFloor: Float = 1e-10

    public init(config: MelConfig = MelConfig()) throws {
        try config.validate()
        self.config = config
        filterbank = MelScale.filterbank(config)
        stft = try STFT(nFFT: config.nFFT, winLength: config.winLength, hopLength: config.hopLength)
    }

    // MARK: - Features

    /// Log-mel frames [T, nMels] of samples at `config.sampleRate`.
    public func compute(_ samples: [Float]) -> Spectrogram {
        logMelUnchecked(stft.power(samples))
    }

    /// Log-mel of a clip, resampled to `config.sampleRate` first when needed.
    public func compute(_ clip: AudioClip) throws -> Spectrogram {
        try compute(clip.resampled(to: config.sampleRate).samples)
    }

    /// Log-mel of an audio file (any format and rate `AudioFile` reads).
    public func compute(file url: URL) throws -> Spectrogram {
        try compute(AudioFile.read(url))
    }

    /// Log-mel frames as a tensor of shape [T, nMels].
    public func tensor(_ samples: [Float]) -> Tensor {
        let spec = compute(samples)
        return Tensor(spec.values, shape: [spec.frames, spec.bins])
    }

    /// Mel power [T, nMels] from a power spectrogram [T, nFFT/2 + 1].
    public func melPower(fromPower power: Spectrogram) throws -> Spectrogram {
        guard power.bins == stft.bins else {
            throw AudioError.invalidArgument("power spectrogram has \(power.bins) bins, this extractor expects \(stft.bins)")
        }
        return melPowerUnchecked(power)
    }

    private func melPowerUnchecked(_ power: Spectrogram) -> Spectrogram {
        // out[T, mels] = power[T, bins] · filterbankᵀ[bins, mels]
        let out = matmulTransposed(power.values, rows: power.frames, filterbank, n: config.nMels, k: stft.bins)
        return Spectrogram(unchecked: power.frames, bins: config.nMels, values: out)
    }

    /// log(max(mel power, 1e-10)) from a power spectrogram.
    public func logMel(fromPower power: Spectrogram) throws -> Spectrogram {
        guard power.bins == stft.bins else {
            throw AudioError.invalidArgument("power spectrogram has \(power.bins) bins, this extractor expects \(stft.bins)")
        }
        return logMelUnchecked(power)
    }

    func logMelUnchecked(_ power: Spectrogram) -> Spectrogram {
        var mel = melPowerUnchecked(power)
        for i in 0..<mel.values.count { mel.values[i] = log(max(mel.values[i], LogMel.powerFloor)) }
        return mel
    }

    // MARK: - MFCC

    /// The first `count` MFCCs [T, count] of samples at `config.sampleRate`.
    public func mfcc(_ samples: [Float], count: Int = 13) throws -> Spectrogram {
        try LogMel.mfcc(logMel: compute(samples), count: count)
    }

    /// Orthonormal DCT-II along each log-mel frame, keeping the first `count` coefficients:
    /// c_k = s_k Σ_n x_n cos(π k (2n + 1) / 2N), s_0 = √(1/N), s_k = √(2/N).
    public static func mfcc(logMel: Spectrogram, count: Int) throws -> Spectrogram {
        let n = logMel.bins
        guard count >= 1, count <= n else {
            throw AudioError.invalidArgument("MFCC count must be in 1...\(n) (the number of mel bands), got \(count)")
        }
        var basis = [Float](repeating: 0, count: count * n)   // [count, N]
        for k in 0..<count {
            let scale = k == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot()
            for j in 0..<n { basis[k * n + j] = Float(scale * cos(Double.pi * Double(k) * Double(2 * j + 1) / Double(2 * n))) }
        }
        let out = matmulTransposed(logMel.values, rows: logMel.frames, basis, n: count, k: n)
        return Spectrogram(unchecked: logMel.frames, bins: count, values: out)
    }
}
