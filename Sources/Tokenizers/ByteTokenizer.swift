/// The simplest lossless tokenizer: one token per UTF-8 byte (vocabulary 256).
/// Used for small models trained from scratch on plain text.
public struct ByteTokenizer: Sendable {
    public init() {}
    public var vocabularySize: Int { 256 }
    public func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: ids.map { UInt8(clamping: $0) }, as: UTF8.self)
    }
}
