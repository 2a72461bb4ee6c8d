import CSndfile
import Foundation

/// Reads any file libsndfile understands (WAV, FLAC, OGG, AIFF, …) as mono float32.
public enum AudioFile {
    /// Sample rates accepted on read and write.
    public static let sampleRateRange = 1...1_536_000

    // MARK: - Reading from disk

    /// Reads a file as mono (channels averaged) at its own sample rate.
    public static func read(_ url: URL) throws -> AudioClip {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AudioError.fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw AudioError.unreadable(path: path, reason: "it is a directory") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw AudioError.unreadable(path: path, reason: "permission denied")
        }
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw openError(path: path, handle: nil)
        }
        defer { sf_close(handle) }
        return try decode(handle, info: info, path: path)
    }

    /// Reads a file as mono and resamples it to `sampleRate`.
    public static func read(_ url: URL, sampleRate: Int) throws -> AudioClip {
        try read(url).resampled(to: sampleRate)
    }

    // MARK: - Decoding (shared by the disk and memory readers)

    /// Turns the libsndfile error of a failed open into an `AudioError`.
    static func openError(path: String, handle: OpaquePointer?) -> AudioError {
        let code = sf_error(handle)
        let message = String(cString: sf_strerror(handle))
        switch Int(code) {
        case SF_ERR_UNRECOGNISED_FORMAT, SF_ERR_UNSUPPORTED_ENCODING:
            return .unsupportedFormat(path: path, reason: "libsndfile: \(message)")
        case SF_ERR_SYSTEM:
            return .unreadable(path: path, reason: "libsndfile: \(message)")
        default:
            return .corrupt(path: path, reason: "libsndfile: \(message)")
        }
    }

    /// Reads every frame in blocks, averaging channels into one mono output array.
    static func decode(_ handle: OpaquePointer, info: SF_INFO, path: String) throws -> AudioClip {
        let channels = Int(info.channels)
        let rate = Int(info.samplerate)
        guard channels >= 1 else {
            throw AudioError.corrupt(path: path, reason: "header declares \(channels) channels")
        }
        guard sampleRateRange.contains(rate) else {
            throw AudioError.unsupportedFormat(path: path, reason: "sample rate \(rate) Hz is outside \(sampleRateRange)")
        }
        guard info.frames > 0 else { throw AudioError.empty(path: path) }

        let blockFrames = max(64, 65_536 / channels)
        let interleaved = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames * channels)
        let mono = UnsafeMutablePointer<Float>.allocate(capacity: blockFrames)
        defer { interleaved.deallocate(); mono.deallocate() }
        var output = [Float]()
        output.reserveCapacity(Int(min(info.frames, 1 << 22)))
        let scale = 1 / Float(channels)
        while true {
            let got = Int(sf_readf_float(handle, interleaved, sf_count_t(blockFrames)))
            if got <= 0 { break }
            var finite = true
            if channels == 1 {
                for i in 0..<got {
                    let v = interleaved[i]
                    finite = finite && v.isFinite
                    mono[i] = v
                }
            } else {
                for i in 0..<got {
                    let frame = interleaved + i * channels
                    var sum: Float = 0
                    for c in 0..<channels { sum += frame[c] }
                    finite = finite && sum.isFinite
                    mono[i] = sum * scale
                }
            }
            guard finite else {
                throw AudioError.corrupt(path: path, reason: "samples near frame \(output.count) are NaN or infinite")
            }
            output.append(contentsOf: UnsafeBufferPointer(start: mono, count: got))
        }
        if sf_error(handle) != 0 {
            throw AudioError.corrupt(path: path, reason: "libsndfile: \(String(cString: sf_strerror(handle)))")
        }
        guard !output.isEmpty else { throw AudioError.empty(path: path) }
        return AudioClip(samples: output, sampleRate: rate)
    }
}
