import Audio
import Foundation
import Tensor

/// Per-utterance normalised log-mel frames: the speech encoder's input.
public enum SpeechFeatures {
    /// Log-mel [T, 80] of a 16 kHz clip (resampled when needed) and the same frames normalised to zero
    /// mean and unit variance per mel bin over the utterance (removes loudness and channel colour).
    public static func compute(_ clip: AudioClip, extractor: LogMel) throws -> (logMel: Spectrogram, normalized: [Float]) {
        let mel = try extractor.compute(clip)
        guard mel.frames >= 2 else {
            throw UnitsModelError("audio of \(String(format: "%.3f", clip.duration)) s is too short for speech units: give at least 0.02 s")
        }
        return (mel, normalize(mel))
    }

    /// Zero mean, unit variance per bin (variance floored) over the frames of `mel`.
    public static func normalize(_ mel: Spectrogram) -> [Float] {
        let (t, c) = (mel.frames, mel.bins)
        var out = mel.values
        out.withUnsafeMutableBufferPointer { p in
            for j in 0..<c {
                var sum: Float = 0, square: Float = 0
                for i in 0..<t { let v = p[i * c + j]; sum += v; square += v * v }
                let mean = sum / Float(t)
                let std = max((square / Float(t) - mean * mean), 1e-2).squareRoot()
                for i in 0..<t { p[i * c + j] = (p[i * c + j] - mean) / std }
            }
        }
        return out
    }
}

/// The CTC label set of the speech encoder: blank 0, a–z 1…26, space 27, apostrophe 28.
public enum CTCAlphabet {
    public static let size = 29

    /// Labels of `text`: lower-cased; digits spelled out digit by digit; other characters become word breaks.
    public static func labels(_ text: String) -> [Int32] {
        let digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
        var out: [Int32] = []
        func space() { if let last = out.last, last != 27 { out.append(27) } }
        for ch in text.lowercased() {
            if let a = ch.asciiValue, a >= 97 && a <= 122 { out.append(Int32(a - 96)) }
            else if ch == "'" { if !out.isEmpty && out.last != 27 { out.append(28) } }
            else if let d = ch.wholeNumberValue, d >= 0 && d <= 9, ch.isASCII {
                space(); for c in digits[d].utf8 { out.append(Int32(c - 96)) }; space()
            } else { space() }
        }
        while out.last == 27 { out.removeLast() }
        return out
    }

    /// Text of labels (blank dropped).
    public static func text(_ labels: [Int32]) -> String {
        String(labels.compactMap { l -> Character? in
            switch l {
            case 1...26: return Character(UnicodeScalar(UInt8(96 + l)))
            case 27: return " "
            case 28: return "'"
            default: return nil
            }
        })
    }
}
