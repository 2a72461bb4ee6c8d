import Units
import XCTest

final class CTCAlphabetTests: XCTestCase {
    func testAlphabetLabels() {
        XCTAssertEqual(CTCAlphabet.labels("Hi, it's 2!"), [8, 9, 27, 9, 20, 28, 19, 27, 20, 23, 15])
        XCTAssertEqual(CTCAlphabet.text(CTCAlphabet.labels("Who's there?")), "who's there")
        XCTAssertEqual(CTCAlphabet.labels("..."), [])
    }
}
