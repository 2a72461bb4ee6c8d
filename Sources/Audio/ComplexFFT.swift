import Foundation

// MARK: - Complex FFT of any size (radix-2 in place; Bluestein's chirp-z for other sizes)

/// Unnormalised discrete Fourier transform on split real/imaginary arrays.
/// Powers of two use an iterative radix-2 transform with per-stage contiguous twiddles;
/// other sizes use Bluestein's algorithm over a power-of-two transform.
/// Holds scratch buffers: use one instance per thread.
public final class ComplexFFT {
    public let size: Int
    private let plan: Plan

    private enum Plan {
        case trivial
        case radix2(bitReverse: [Int32], cos: [Float], sin: [Float])
        case bluestein(inner: ComplexFFT, chirpRe: [Float], chirpIm: [Float],
                       kernelRe: [Float], kernelIm: [Float], scratchRe: UnsafeMutablePointer<Float>,
                       scratchIm: UnsafeMutablePointer<Float>)
    }

    public init(size: Int) throws {
        guard size >= 1, size <= 1 << 28 else {
            throw AudioError.invalidArgument("FFT size must be in 1...\(1 << 28), got \(size)")
        }
        self.size = size
        if size == 1 {
            plan = .trivial
        } else if size & (size - 1) == 0 {
            plan = ComplexFFT.radix2Plan(size)
        } else {
            plan = try ComplexFFT.bluesteinPlan(size)
        }
    }

    deinit {
        if case .bluestein(_, _, _, _, _, let re, let im) = plan { re.deallocate(); im.deallocate() }
    }

    // MARK: - Planning

    private static func radix2Plan(_ n: Int) -> Plan {
        let bits = n.trailingZeroBitCount
        var reverse = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            var r = 0, v = i
            for _ in 0..<bits { r = (r << 1) | (v & 1); v >>= 1 }
            reverse[i] = Int32(r)
        }
        // Stage with half-size h stores h twiddles exp(-2πij/2h) at offset h-1.
        var c = [Float](repeating: 0, count: n), s = [Float](repeating: 0, count: n)
        var h = 1
        while h < n {
            for j in 0..<h {
                let angle = -Double.pi * Double(j) / Double(h)
                c[h - 1 + j] = Float(Foundation.cos(angle))
                s[h - 1 + j] = Float(Foundation.sin(angle))
            }
            h *= 2
        }
        return .radix2(bitReverse: reverse, cos: c, sin: s)
    }

    private static func bluesteinPlan(_ n: Int) throws -> Plan {
        var m = 1
        while m < 2 * n - 1 { m *= 2 }
        let inner = try ComplexFFT(size: m)
        var chirpRe = [Float](repeating: 0, count: n), chirpIm = [Float](repeating: 0, count: n)
        for k in 0..<n {
            let k2 = (k * k) % (2 * n)   // exact phase index, avoids precision loss for large k
            let angle = -Double.pi * Double(k2) / Double(n)
            chirpRe[k] = Float(Foundation.cos(angle))
            chirpIm[k] = Float(Foundation.sin(angle))
        }
        var kernelRe = [Float](repeating: 0, count: m), kernelIm = [Float](repeating: 0, count: m)
        for k in 0..<n {
            kernelRe[k] = chirpRe[k]; kernelIm[k] = -chirpIm[k]
            if k > 0 { kernelRe[m - k] = chirpRe[k]; kernelIm[m - k] = -chirpIm[k] }
        }
        kernelRe.withUnsafeMutableBufferPointer { re in
            kernelIm.withUnsafeMutableBufferPointer { im in
                inner.transform(re.baseAddress!, im.baseAddress!, inverse: false)
            }
        }
        return .bluestein(inner: inner, chirpRe: chirpRe, chirpIm: chirpIm, kernelRe: kernelRe, kernelIm: kernelIm,
                          scratchRe: .allocate(capacity: m), scratchIm: .allocate(capacity: m))
    }

    // MARK: - Transform

    /// In-place transform of `size` complex values; `inverse` uses exp(+i…) and does not divide by n.
    public func transform(_ re: UnsafeMutablePointer<Float>, _ im: UnsafeMutablePointer<Float>, inverse: Bool) {
        switch plan {
        case .trivial:
            return
        case .radix2(let reverse, let c, let s):
            reverse.withUnsafeBufferPointer { rev in
                c.withUnsafeBufferPointer { cp in
                    s.withUnsafeBufferPointer { sp in
                        radix2(re, im, rev.baseAddress!, cp.baseAddress!, sp.baseAddress!, sign: inverse ? -1 : 1)
                    }
                }
            }
        case .bluestein(let inner, let chirpRe, let chirpIm, let kernelRe, let kernelIm, let xr, let xi):
            let n = size, m = inner.size
            let conj: Float = inverse ? -1 : 1   // inverse DFT = conj(DFT(conj(x)))
            for k in 0..<n {
                let ar = re[k], ai = conj * im[k]
                xr[k] = ar * chirpRe[k] - ai * chirpIm[k]
                xi[k] = ar * chirpIm[k] + ai * chirpRe[k]
            }
            (xr + n).initialize(repeating: 0, count: m - n)
            (xi + n).initialize(repeating: 0, count: m - n)
            inner.transform(xr, xi, inverse: false)
            for k in 0..<m {
                let ar = xr[k], ai = xi[k], br = kernelRe[k], bi = kernelIm[k]
                xr[k] = ar * br - ai * bi
                xi[k] = ar * bi + ai * br
            }
            inner.transform(xr, xi, inverse: true)
            let scale = 1 / Float(m)
            for k in 0..<n {
                let ar = xr[k] * scale, ai = xi[k] * scale
                re[k] = ar * chirpRe[k] - ai * chirpIm[k]
                im[k] = conj * (ar * chirpIm[k] + ai * chirpRe[k])
            }
        }
    }

    private func radix2(_ re: UnsafeMutablePointer<Float>, _ im: UnsafeMutablePointer<Float>,
                        _ reverse: UnsafePointer<Int32>, _ cosTable: UnsafePointer<Float>,
                        _ sinTable: UnsafePointer<Float>, sign: Float) {
        let n = size
        for i in 0..<n {
            let j = Int(reverse[i])
            if j > i { swap(&re[i], &re[j]); swap(&im[i], &im[j]) }
        }
        // Half-size 1: twiddle 1.
        var start = 0
        while start < n {
            let (xr, xi, yr, yi) = (re[start], im[start], re[start + 1], im[start + 1])
            re[start] = xr + yr; im[start] = xi + yi
            re[start + 1] = xr - yr; im[start + 1] = xi - yi
            start += 2
        }
        var h = 2
        while h < n {
            let wc = cosTable + (h - 1), ws = sinTable + (h - 1)
            start = 0
            while start < n {
                if h >= 8 {
                    butterflies8(re + start, im + start, h: h, wc, ws, sign: sign)
                } else {
                    let ar = re + start, ai = im + start, br = ar + h, bi = ai + h
                    for j in 0..<h {
                        let c = wc[j], s = sign * ws[j]
                        let tr = br[j] * c - bi[j] * s
                        let ti = br[j] * s + bi[j] * c
                        let xr = ar[j], xi = ai[j]
                        br[j] = xr - tr; bi[j] = xi - ti
                        ar[j] = xr + tr; ai[j] = xi + ti
                    }
                }
                start += 2 * h
            }
            h *= 2
        }
    }

    /// One block of butterflies with half-size h (a multiple of 8), eight lanes at a time.
    @inline(__always)
    private func butterflies8(_ re: UnsafeMutablePointer<Float>, _ im: UnsafeMutablePointer<Float>, h: Int,
                              _ wc: UnsafePointer<Float>, _ ws: UnsafePointer<Float>, sign: Float) {
        typealias V = SIMD8<Float>
        let ar = UnsafeMutableRawPointer(re), ai = UnsafeMutableRawPointer(im)
        let br = UnsafeMutableRawPointer(re + h), bi = UnsafeMutableRawPointer(im + h)
        let cr = UnsafeRawPointer(wc), sr = UnsafeRawPointer(ws)
        var offset = 0
        let end = h * 4
        while offset < end {
            let c = cr.loadUnaligned(fromByteOffset: offset, as: V.self)
            let s = sr.loadUnaligned(fromByteOffset: offset, as: V.self) * sign
            let yr = br.loadUnaligned(fromByteOffset: offset, as: V.self)
            let yi = bi.loadUnaligned(fromByteOffset: offset, as: V.self)
            let tr = yr * c - yi * s, ti = yr * s + yi * c
            let xr = ar.loadUnaligned(fromByteOffset: offset, as: V.self)
            let xi = ai.loadUnaligned(fromByteOffset: offset, as: V.self)
            br.storeBytes(of: xr - tr, toByteOffset: offset, as: V.self)
            bi.storeBytes(of: xi - ti, toByteOffset: offset, as: V.self)
            ar.storeBytes(of: xr + tr, toByteOffset: offset, as: V.self)
            ai.storeBytes(of: xi + ti, toByteOffset: offset, as: V.self)
            offset += 32
        }
    }
}
