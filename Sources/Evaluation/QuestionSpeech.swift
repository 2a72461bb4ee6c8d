import Audio
import Foundation
import Tensor

/// The spoken form of each question: the set's recording when it has one, else the question
/// synthesised by `voice` once into `folder` (kept, so a resumed or repeated evaluation hears the
/// same audio without synthesising it again).
public struct QuestionSpeech {
    public let voice: SpeechVoice
    public let folder: URL
    public var synthesizer = SpeechSynthesizer(sampleRate: 16_000, jitter: .none)

    /// Questions synthesised by `voice` go to `evaluationFolder/questions/<voice>/`.
    public init(voice: SpeechVoice, evaluationFolder: URL) {
        self.voice = voice
        folder = evaluationFolder.appendingPathComponent("questions/\(voice.fileTag)", isDirectory: true)
    }

    /// Checks once that the voice can be used (program installed, voice known).
    public func check() throws { try synthesizer.check([voice]) }

    /// The recording of `item`'s question and the seconds spent synthesising it (0 when it existed).
    public func audio(for item: QAItem) throws -> (url: URL, seconds: Double) {
        if let audio = item.audio { return (audio, 0) }
        let url = folder.appendingPathComponent(QuestionSpeech.fileName(item.id) + ".wav")
        if FileManager.default.fileExists(atPath: url.path) { return (url, 0) }
        let start = Date()
        var rng = SeededRandom(seed: 0)
        let clip = try synthesizer.render(item.question, voice: voice, rng: &rng)
        try AudioFile.write(clip, to: url)
        return (url, Date().timeIntervalSince(start))
    }

    /// A file name for an id: the id itself when it is made of letters, digits, '.', '-' and '_';
    /// otherwise those characters kept, the rest as '_', and a hash of the id so that names stay distinct.
    public static func fileName(_ id: String) -> String {
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") }
        let cleaned = String(id.map { allowed($0) ? $0 : "_" })
        if cleaned == id && !id.hasPrefix(".") { return id }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let safe = cleaned.hasPrefix(".") ? "_" + cleaned.dropFirst() : cleaned
        return String(safe.prefix(80)) + "-" + String(hash, radix: 16)
    }
}
