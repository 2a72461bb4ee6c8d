import XCTest
@testable import Tokenizers

final class ByteLevelTests: XCTestCase {
    func testTableIsABijectionOverPrintableScalars() {
        let scalars = ByteLevel.scalarForByte
        XCTAssertEqual(Set(scalars).count, 256)
        XCTAssertEqual(scalars[0x20], "\u{0120}")  // Ġ
        XCTAssertEqual(scalars[0x0A], "\u{010A}")  // Ċ
        XCTAssertEqual(scalars[0x41], "A")
        XCTAssertEqual(scalars[0xAD], "\u{0143}")  // soft hyphen is remapped
        for s in scalars { XCTAssertFalse(s.properties.isWhitespace) }
    }

    func testEncodeDecodeRoundTrip() {
        let bytes = (0...255).map(UInt8.init)
        XCTAssertEqual(ByteLevel.decode(ByteLevel.encode(bytes)), bytes)
        XCTAssertEqual(ByteLevel.encode(Array(" the".utf8)), "Ġthe")
        XCTAssertNil(ByteLevel.decode("中"))
    }
}
