import CSndfile
import Foundation

extension AudioFile {
    // MARK: - Writing

    /// Writes mono samples atomically (temporary file in the same directory, then rename).
    /// Integer formats clamp to [-1, 1) and round to the nearest step of 1/32768, so samples
    /// that are exact multiples of 1/32768 read back bit-identical.
    public static func write(_ samples: [Float], sampleRate: Int, to url: URL, format: AudioFileFormat = .wav16) throws {
        let path = url.path
        guard !samples.isEmpty else { throw AudioError.invalidArgument("refusing to write \(path) with zero samples") }
        guard sampleRateRange.contains(sampleRate) else {
            throw AudioError.invalidArgument("sample rate \(sampleRate) Hz for \(path) is outside \(sampleRateRange)")
        }
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.invalidArgument("sample \(bad) of \(path) is \(samples[bad]); only finite samples can be written")
        }
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw AudioError.writeFailed(path: path, reason: "cannot create directory \(directory.path): \(error.localizedDescription)")
        }
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try writeUnchecked(samples, sampleRate: sampleRate, path: temp.path, reportedPath: path, format: format)
            guard rename(temp.path, path) == 0 else {
                throw AudioError.writeFailed(path: path, reason: "rename from \(temp.path) failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    /// Writes a clip (see `write(_:sampleRate:to:format:)`).
    public static func write(_ clip: AudioClip, to url: URL, format: AudioFileFormat = .wav16) throws {
        try write(clip.samples, sampleRate: clip.sampleRate, to: url, format: format)
    }

    private static func writeUnchecked(_ samples: [Float], sampleRate: Int, path: String, reportedPath: String,
                                       format: AudioFileFormat) throws {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = 1
        switch format {
        case .wav16: info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavFloat: info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flac16: info.format = Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        }
        guard sf_format_check(&info) != 0 else {
            throw AudioError.writeFailed(path: reportedPath, reason: "libsndfile rejects \(format.rawValue) at \(sampleRate) Hz")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw AudioError.writeFailed(path: reportedPath, reason: "libsndfile: \(String(cString: sf_strerror(nil)))")
        }
        var closed = false
        defer { if !closed { sf_close(handle) } }
        let written: Int = samples.withUnsafeBufferPointer { source in
            let base = source.baseAddress!
            if format == .wavFloat { return Int(sf_writef_float(handle, base, sf_count_t(source.count))) }
            let block = 65_536
            let shorts = UnsafeMutablePointer<Int16>.allocate(capacity: block)
            defer { shorts.deallocate() }
            var done = 0
            while done < source.count {
                let n = min(block, source.count - done)
                for i in 0..<n {
                    let scaled = (base[done + i] * 32768).rounded()
                    shorts[i] = Int16(max(-32768, min(32767, scaled)))
                }
                let got = Int(sf_writef_short(handle, shorts, sf_count_t(n)))
                done += got
                if got != n { break }
            }
            return done
        }
        guard written == samples.count else {
            throw AudioError.writeFailed(path: reportedPath, reason: "wrote \(written) of \(samples.count) frames; libsndfile: \(String(cString: sf_strerror(handle)))")
        }
        closed = true
        let status = sf_close(handle)
        guard status == 0 else {
            throw AudioError.writeFailed(path: reportedPath, reason: "closing failed; libsndfile: \(String(cString: sf_error_number(status)))")
        }
    }
}
