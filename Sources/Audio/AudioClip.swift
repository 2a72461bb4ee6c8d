import Foundation

/// Mono float32 samples with their sample rate: what every reader returns and every writer takes.
public struct AudioClip: Sendable, Equatable {
    /// Mono samples, nominally in [-1, 1].
    public var samples: [Float]
    /// Samples per second.
    public var sampleRate: Int

    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }

    /// Length in seconds.
    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }

    /// The same sound at another sample rate (band-limited; a copy when the rate is unchanged).
    public func resampled(to rate: Int) throws -> AudioClip {
        AudioClip(samples: try Resampler.resample(samples, from: sampleRate, to: rate), sampleRate: rate)
    }
}

/// Container and sample encoding for writing.
public enum AudioFileFormat: String, Codable, Sendable, CaseIterable {
    /// WAV, 16-bit signed PCM (the default).
    case wav16
    /// WAV, 32-bit IEEE float.
    case wavFloat
    /// FLAC, 16-bit (lossless).
    case flac16

    /// The format a file extension suggests (`wav` → 16-bit WAV, `flac` → FLAC), nil for others.
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "wav", "wave": self = .wav16
        case "flac": self = .flac16
        default: return nil
        }
    }
}
