/// Typed look-ups in GGUF metadata, e.g. `file.metadata.int("llama.block_count")`.
extension Dictionary where Key == String, Value == GGUFValue {
    /// An integer value (any integer type).
    public func int(_ key: String) -> Int? { self[key]?.int }
    /// A numeric value as Float.
    public func float(_ key: String) -> Float? { self[key]?.double.map(Float.init) }
    /// A numeric value as Double.
    public func double(_ key: String) -> Double? { self[key]?.double }
    /// A string value.
    public func string(_ key: String) -> String? { self[key]?.string }
    /// A boolean value.
    public func bool(_ key: String) -> Bool? { self[key]?.bool }
    /// An array of strings (nil unless every element is a string).
    public func strings(_ key: String) -> [String]? {
        guard let a = self[key]?.array, let s = self[key]?.strings, s.count == a.count else { return nil }
        return s
    }
    /// An array of integers (nil unless every element is an integer).
    public func ints(_ key: String) -> [Int]? {
        guard let a = self[key]?.array, let s = self[key]?.ints, s.count == a.count else { return nil }
        return s
    }
    /// An array of numbers as Float (nil unless every element is a number).
    public func floats(_ key: String) -> [Float]? {
        guard let a = self[key]?.array, let s = self[key]?.floats, s.count == a.count else { return nil }
        return s
    }

    /// An integer value, or an error naming the missing key.
    public func requireInt(_ key: String) throws -> Int {
        guard let v = int(key) else { throw GGUFError.missingMetadata(key: key, expected: "an integer") }
        return v
    }
    /// A numeric value, or an error naming the missing key.
    public func requireFloat(_ key: String) throws -> Float {
        guard let v = float(key) else { throw GGUFError.missingMetadata(key: key, expected: "a number") }
        return v
    }
    /// A string value, or an error naming the missing key.
    public func requireString(_ key: String) throws -> String {
        guard let v = string(key) else { throw GGUFError.missingMetadata(key: key, expected: "a string") }
        return v
    }
}
