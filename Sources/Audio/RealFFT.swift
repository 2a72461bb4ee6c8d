import Foundation

// MARK: - Real-input FFT (n/2 + 1 bins), any size

/// Transform of `size` real samples into `size/2 + 1` complex bins, and back.
/// Even sizes pack the signal into a complex transform of half the size; odd sizes use a full
/// complex transform. Forward is unnormalised; `inverse` divides by `size` (so inverse(forward(x)) = x).
/// Holds scratch buffers: use one instance per thread.
public final class RealFFT {
    public let size: Int
    /// Number of bins, size/2 + 1.
    public var binCount: Int { size / 2 + 1 }
    private let complex: ComplexFFT
    private let packed: Bool
    private let twiddleCos: [Float], twiddleSin: [Float]   // exp(-2πik/n), k = 0...n/2
    private let workRe: UnsafeMutablePointer<Float>, workIm: UnsafeMutablePointer<Float>

    public init(size: Int) throws {
        guard size >= 2 else { throw AudioError.invalidArgument("real FFT size must be at least 2, got \(size)") }
        self.size = size
        packed = size % 2 == 0
        complex = try ComplexFFT(size: packed ? size / 2 : size)
        let half = size / 2
        twiddleCos = (0...half).map { Float(cos(2 * Double.pi * Double($0) / Double(size))) }
        twiddleSin = (0...half).map { Float(-sin(2 * Double.pi * Double($0) / Double(size))) }
        workRe = .allocate(capacity: size)
        workIm = .allocate(capacity: size)
    }

    deinit { workRe.deallocate(); workIm.deallocate() }

    /// Forward transform of `size` samples into `binCount` real and imaginary parts.
    public func forward(_ input: UnsafePointer<Float>, real: UnsafeMutablePointer<Float>, imaginary: UnsafeMutablePointer<Float>) {
        let n = size
        guard packed else {
            workRe.update(from: input, count: n)
            workIm.initialize(repeating: 0, count: n)
            complex.transform(workRe, workIm, inverse: false)
            real.update(from: workRe, count: binCount)
            imaginary.update(from: workIm, count: binCount)
            return
        }
        let h = n / 2
        for k in 0..<h { workRe[k] = input[2 * k]; workIm[k] = input[2 * k + 1] }
        complex.transform(workRe, workIm, inverse: false)
        twiddleCos.withUnsafeBufferPointer { wc in
            twiddleSin.withUnsafeBufferPointer { ws in
                for k in 0...h {
                    let a = k == h ? 0 : k, b = k == 0 ? 0 : h - k
                    let zr = workRe[a], zi = workIm[a], yr = workRe[b], yi = workIm[b]
                    let er = 0.5 * (zr + yr), ei = 0.5 * (zi - yi)
                    let or = 0.5 * (zi + yi), oi = -0.5 * (zr - yr)
                    let c = wc[k], s = ws[k]
                    real[k] = er + c * or - s * oi
                    imaginary[k] = ei + c * oi + s * or
                }
            }
        }
    }

    /// Inverse transform of `binCount` bins into `size` real samples (imaginary parts of bin 0
    /// and, for even sizes, bin size/2 are ignored).
    public func inverse(real: UnsafePointer<Float>, imaginary: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let n = size
        guard packed else {
            workRe[0] = real[0]; workIm[0] = 0
            for k in 1..<binCount {
                workRe[k] = real[k]; workIm[k] = imaginary[k]
                workRe[n - k] = real[k]; workIm[n - k] = -imaginary[k]
            }
            complex.transform(workRe, workIm, inverse: true)
            let scale = 1 / Float(n)
            for i in 0..<n { output[i] = workRe[i] * scale }
            return
        }
        let h = n / 2
        twiddleCos.withUnsafeBufferPointer { wc in
            twiddleSin.withUnsafeBufferPointer { ws in
                for k in 0..<h {
                    let xr = real[k], xi = k == 0 ? 0 : imaginary[k]
                    let yr = real[h - k], yi = (h - k) == h ? 0 : -imaginary[h - k]   // conj(X[h-k])
                    let er = 0.5 * (xr + yr), ei = 0.5 * (xi + yi)
                    let dr = 0.5 * (xr - yr), di = 0.5 * (xi - yi)
                    let c = wc[k], s = -ws[k]                                           // exp(+2πik/n)
                    let or = dr * c - di * s, oi = dr * s + di * c
                    workRe[k] = er - oi                                                 // E + iO
                    workIm[k] = ei + or
                }
            }
        }
        complex.transform(workRe, workIm, inverse: true)
        let scale = 1 / Float(h)
        for k in 0..<h { output[2 * k] = workRe[k] * scale; output[2 * k + 1] = workIm[k] * scale }
    }

    /// Convenience forward transform of an array of exactly `size` samples.
    public func forward(_ input: [Float]) throws -> (real: [Float], imaginary: [Float]) {
        guard input.count == size else {
            throw AudioError.invalidArgument("real FFT of size \(size) got \(input.count) samples")
        }
        var re = [Float](repeating: 0, count: binCount), im = [Float](repeating: 0, count: binCount)
        input.withUnsafeBufferPointer { x in
            re.withUnsafeMutableBufferPointer { r in
                im.withUnsafeMutableBufferPointer { i in forward(x.baseAddress!, real: r.baseAddress!, imaginary: i.baseAddress!) }
            }
        }
        return (re, im)
    }
}
