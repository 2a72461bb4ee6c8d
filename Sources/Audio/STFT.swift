import Foundation

// MARK: - Short-time Fourier transform (centred frames, reflect padding, periodic Hann window)

/// STFT with a periodic Hann window of `winLength` samples centred in an `nFFT`-sample frame,
/// frames every `hopLength` samples, the signal padded by nFFT/2 reflected samples on each side
/// (frame t is centred on sample t·hop). Frames = 1 + (n + 2·⌊nFFT/2⌋ − nFFT) / hop.
/// Holds scratch buffers: use one instance per thread.
public final class STFT {
    public let nFFT: Int, winLength: Int, hopLength: Int
    /// nFFT samples: the Hann window zero-padded on both sides.
    public let window: [Float]
    public var bins: Int { nFFT / 2 + 1 }
    private let fft: RealFFT

    public init(nFFT: Int, winLength: Int, hopLength: Int) throws {
        guard nFFT >= 2, winLength >= 1, winLength <= nFFT, hopLength >= 1 else {
            throw AudioError.invalidArgument("STFT needs nFFT ≥ 2, 1 ≤ winLength ≤ nFFT, hop ≥ 1; got \(nFFT)/\(winLength)/\(hopLength)")
        }
        self.nFFT = nFFT
        self.winLength = winLength
        self.hopLength = hopLength
        fft = try RealFFT(size: nFFT)
        var w = [Float](repeating: 0, count: nFFT)
        let offset = (nFFT - winLength) / 2
        for i in 0..<winLength {
            w[offset + i] = Float(0.5 - 0.5 * cos(2 * Double.pi * Double(i) / Double(winLength)))
        }
        window = w
    }

    private var pad: Int { nFFT / 2 }

    /// Number of frames for `count` samples (0 for an empty signal).
    public func frameCount(forSampleCount count: Int) -> Int {
        count <= 0 ? 0 : 1 + (count + 2 * pad - nFFT) / hopLength
    }

    // MARK: - Forward

    /// Complex spectrum of every frame.
    public func forward(_ signal: [Float]) -> ComplexSpectrogram {
        let frames = frameCount(forSampleCount: signal.count)
        let bins = self.bins, n = nFFT
        var re = [Float](repeating: 0, count: frames * bins), im = re
        guard frames > 0 else { return ComplexSpectrogram(unchecked: 0, bins: bins, real: re, imaginary: im) }
        let padded = reflectPadded(signal)
        let frame = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { frame.deallocate() }
        padded.withUnsafeBufferPointer { src in
            window.withUnsafeBufferPointer { win in
                re.withUnsafeMutableBufferPointer { rp in
                    im.withUnsafeMutableBufferPointer { ip in
                        for t in 0..<frames {
                            let start = src.baseAddress! + t * hopLength
                            for i in 0..<n { frame[i] = start[i] * win[i] }
                            fft.forward(frame, real: rp.baseAddress! + t * bins, imaginary: ip.baseAddress! + t * bins)
                        }
                    }
                }
            }
        }
        return ComplexSpectrogram(unchecked: frames, bins: bins, real: re, imaginary: im)
    }

    /// |STFT|² of every frame.
    public func power(_ signal: [Float]) -> Spectrogram { forward(signal).power }

    /// The signal extended by nFFT/2 samples on each side, mirrored about the end samples.
    func reflectPadded(_ signal: [Float]) -> [Float] {
        let count = signal.count, p = pad
        var out = [Float](repeating: 0, count: count + 2 * p)
        let period = 2 * (count - 1)
        signal.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                (dst.baseAddress! + p).update(from: src.baseAddress!, count: count)
                for i in 0..<p {
                    dst[p - 1 - i] = src[reflect(-1 - i, count: count, period: period)]
                    dst[p + count + i] = src[reflect(count + i, count: count, period: period)]
                }
            }
        }
        return out
    }

    private func reflect(_ j: Int, count: Int, period: Int) -> Int {
        guard period > 0 else { return 0 }
        let m = ((j % period) + period) % period
        return m < count ? m : period - m
    }

    // MARK: - Inverse

    /// Weighted overlap-add inverse: `length` samples (default (frames − 1)·hop) whose STFT is
    /// closest to `spectrum` in the least-squares sense.
    public func inverse(_ spectrum: ComplexSpectrogram, length: Int? = nil) throws -> [Float] {
        guard spectrum.bins == bins else {
            throw AudioError.invalidArgument("spectrum has \(spectrum.bins) bins, this STFT makes \(bins)")
        }
        if let length, length < 0 { throw AudioError.invalidArgument("inverse STFT length must be ≥ 0, got \(length)") }
        return overlapAdd(spectrum, length: length)
    }

    /// `inverse` without the checks (bins must match).
    func overlapAdd(_ spectrum: ComplexSpectrogram, length: Int?) -> [Float] {
        let frames = spectrum.frames, n = nFFT, bins = self.bins
        let outLength = max(0, length ?? (frames - 1) * hopLength)
        guard frames > 0, outLength > 0 else { return [Float](repeating: 0, count: outLength) }
        let total = max((frames - 1) * hopLength + n, outLength + 2 * pad)
        var sum = [Float](repeating: 0, count: total), weight = sum
        let frame = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { frame.deallocate() }
        spectrum.real.withUnsafeBufferPointer { rp in
            spectrum.imaginary.withUnsafeBufferPointer { ip in
                window.withUnsafeBufferPointer { win in
                    sum.withUnsafeMutableBufferPointer { acc in
                        weight.withUnsafeMutableBufferPointer { wsum in
                            for t in 0..<frames {
                                fft.inverse(real: rp.baseAddress! + t * bins, imaginary: ip.baseAddress! + t * bins, output: frame)
                                let o = t * hopLength
                                for i in 0..<n {
                                    acc[o + i] += frame[i] * win[i]
                                    wsum[o + i] += win[i] * win[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: outLength)
        for i in 0..<outLength {
            let w = weight[i + pad]
            out[i] = w > 1e-8 ? sum[i + pad] / w : 0
        }
        return out
    }
}
