import Foundation
import Tensor

// MARK: - Whisper's log-mel front end

/// The log-mel features Whisper was trained on, computed as `log_mel_spectrogram` in openai/whisper's
/// `audio.py` (and `FeatureExtractor` in faster-whisper) computes them:
///
/// 1. 16 kHz samples, followed by `padding` zero samples (faster-whisper appends 160; openai/whisper
///    appends 30 s, `N_SAMPLES`, before cutting 30 s windows);
/// 2. an STFT with a periodic 400-point Hann window (25 ms), hop 160 (10 ms), frames centred with
///    200 reflected samples at each end; the last frame is dropped, so n samples give n / 160 frames;
/// 3. the power spectrum |X|² through 80 Slaney-normalised mel filters over 0–8 kHz (librosa's
///    `filters.mel(sr=16000, n_fft=400, n_mels=80)`);
/// 4. log10 of the mel power floored at 1e-10, every value raised to at least (largest − 8),
///    then (x + 4) / 4.
///
/// Frames are rows: the result is [T, 80] (T frames of 80 bands). Holds scratch buffers: one
/// instance per thread.
public final class WhisperLogMel {
    public static let sampleRate = 16_000
    public static let nFFT = 400
    public static let hop = 160
    public static let bins = nFFT / 2 + 1
    /// Frames in Whisper's 30 s window (the encoder's 1500 positions, doubled by the stride-2 convolution).
    public static let windowFrames = 3000
    /// The zero samples faster-whisper appends before the STFT.
    public static let defaultPadding = 160

    public let melCount: Int
    /// Row-major [melCount, bins].
    public let filterbank: [Float]
    /// Window-weighted DFT basis, row-major [nFFT, 2·bins]: columns 0..<bins are w[n]·cos(2πkn/N),
    /// columns bins..<2·bins are −w[n]·sin(2πkn/N), so one product gives every frame's spectrum.
    private let basis: [Float]

    public init(melCount: Int = 80) throws {
        guard melCount == 80 || melCount == 128 else {
            throw AudioError.invalidArgument("Whisper models use 80 (or, for large-v3, 128) mel bands; got \(melCount)")
        }
        self.melCount = melCount
        filterbank = MelScale.filterbank(MelConfig(sampleRate: WhisperLogMel.sampleRate, nFFT: WhisperLogMel.nFFT,
                                                   winLength: WhisperLogMel.nFFT, hopLength: WhisperLogMel.hop,
                                                   nMels: melCount, fMin: 0, fMax: 8_000))
        let n = WhisperLogMel.nFFT, bins = WhisperLogMel.bins
        var basis = [Float](repeating: 0, count: n * 2 * bins)
        for i in 0..<n {
            let w = 0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(n))   // periodic Hann
            for k in 0..<bins {
                // (k·i) mod n keeps the angle small, so cos and sin stay exact in double precision.
                let angle = 2 * Double.pi * Double((k * i) % n) / Double(n)
                basis[i * 2 * bins + k] = Float(w * cos(angle))
                basis[i * 2 * bins + bins + k] = Float(-w * sin(angle))
            }
        }
        self.basis = basis
    }

    /// Number of frames for `count` samples with `padding` zeros appended.
    public static func frameCount(samples count: Int, padding: Int = defaultPadding) -> Int { (count + padding) / hop }

    // MARK: - Features

    /// Log-mel frames [T, melCount] of 16 kHz samples, T = (samples + padding) / 160.
    /// Throws for fewer than one frame's samples and for non-finite samples.
    public func compute(_ samples: [Float], padding: Int = defaultPadding) throws -> Spectrogram {
        guard padding >= 0 else { throw AudioError.invalidArgument("padding must be ≥ 0 samples, got \(padding)") }
        let total = samples.count + padding
        let frames = total / WhisperLogMel.hop
        guard frames >= 1 else {
            throw AudioError.invalidArgument("Whisper's front end needs at least \(WhisperLogMel.hop) samples (10 ms) with the padding; got \(total)")
        }
        guard samples.allSatisfy({ $0.isFinite }) else {
            throw AudioError.invalidArgument("the audio has NaN or infinite samples; check how it was decoded")
        }
        let power = powerSpectrum(samples, padding: padding, frames: frames)
        // mel[T, M] = power[T, bins] · filterbankᵀ[bins, M]
        var mel = matmulTransposed(power, rows: frames, filterbank, n: melCount, k: WhisperLogMel.bins)
        var top = -Float.infinity
        for i in 0..<mel.count {
            let v = log10(max(mel[i], 1e-10))
            mel[i] = v
            top = max(top, v)
        }
        let floor = top - 8
        for i in 0..<mel.count { mel[i] = (max(mel[i], floor) + 4) / 4 }
        return try Spectrogram(frames: frames, bins: melCount, values: mel)
    }

    /// Log-mel of a clip at any rate (resampled to 16 kHz first when needed).
    public func compute(_ clip: AudioClip, padding: Int = defaultPadding) throws -> Spectrogram {
        try compute(clip.resampled(to: WhisperLogMel.sampleRate).samples, padding: padding)
    }

    /// |STFT|² [frames, bins] of the padded signal, centred frames with reflected ends.
    private func powerSpectrum(_ samples: [Float], padding: Int, frames: Int) -> [Float] {
        let n = WhisperLogMel.nFFT, half = n / 2, hop = WhisperLogMel.hop, bins = WhisperLogMel.bins
        let length = samples.count + padding
        // The padded signal, extended by `half` reflected samples on each side (numpy's "reflect").
        var signal = [Float](repeating: 0, count: length + 2 * half)
        let period = 2 * (length - 1)
        func source(_ j: Int) -> Float {
            guard period > 0 else { return j == 0 && !samples.isEmpty ? samples[0] : 0 }
            var m = ((j % period) + period) % period
            if m >= length { m = period - m }
            return m < samples.count ? samples[m] : 0
        }
        for i in 0..<signal.count { signal[i] = source(i - half) }
        // Frame t is signal[t·hop ..< t·hop + N]: frames[T, N] · basis[N, 2·bins] = spectrum[T, 2·bins].
        var framed = [Float](repeating: 0, count: frames * n)
        for t in 0..<frames { framed.replaceSubrange((t * n)..<((t + 1) * n), with: signal[(t * hop)..<(t * hop + n)]) }
        var spectrum = [Float](repeating: 0, count: frames * 2 * bins)
        framed.withUnsafeBufferPointer { f in
            basis.withUnsafeBufferPointer { b in
                spectrum.withUnsafeMutableBufferPointer { out in
                    gemm(transA: false, transB: false, m: frames, n: 2 * bins, k: n, f.baseAddress!, lda: n,
                         b.baseAddress!, ldb: 2 * bins, out.baseAddress!, ldc: 2 * bins)
                }
            }
        }
        var power = [Float](repeating: 0, count: frames * bins)
        for t in 0..<frames {
            for k in 0..<bins {
                let re = spectrum[t * 2 * bins + k], im = spectrum[t * 2 * bins + bins + k]
                power[t * bins + k] = re * re + im * im
            }
        }
        return power
    }

    // MARK: - The 30 s window

    /// The first `WhisperLogMel.windowFrames` frames of `logMel`, with missing frames filled with
    /// zeros, as faster-whisper's `pad_or_trim` gives the encoder. Returns [3000, melCount].
    public static func window(_ logMel: Spectrogram, frames: Int = windowFrames) -> Spectrogram {
        let kept = min(logMel.frames, frames)
        var values = [Float](repeating: 0, count: frames * logMel.bins)
        values.replaceSubrange(0..<(kept * logMel.bins), with: logMel.values[0..<(kept * logMel.bins)])
        return Spectrogram(unchecked: frames, bins: logMel.bins, values: values)
    }
}
