import Evaluation
import Foundation
import Processes
import XCTest

/// The answer-exists match: each rule of qa-exist-match, and agreement with the asr-score plugin's
/// independent implementation of the same rule.
final class ExistMatchTests: XCTestCase {
    func matches(_ response: String, _ answers: String...) -> Bool { ExistMatch.matches(response: response, answers: answers) }

    func testTokensAreRunsOfLettersDigitsAndMarksAndSingleSymbols() {
        XCTAssertEqual(ExistMatch.tokens("Café, 3rd!"), ["cafe\u{301}", ",", "3rd", "!"])
        XCTAssertEqual(ExistMatch.tokens("U.S.\tArmy\n"), ["u", ".", "s", ".", "army"])
        XCTAssertEqual(ExistMatch.tokens("rock'n'roll $5"), ["rock", "'", "n", "'", "roll", "$", "5"])
        XCTAssertEqual(ExistMatch.tokens("  "), [])
        XCTAssertEqual(ExistMatch.tokens("東京 ΑΘΉΝΑ"), ["東京", "αθη\u{301}να"])
    }

    func testAccentsAreKeptAsMarks() {
        XCTAssertTrue(matches("He moved to Zürich in 1990.", "Zurich") == false, "a dropped accent is another word")
        XCTAssertTrue(matches("He moved to Zu\u{308}rich in 1990.", "Zürich"), "composed and decomposed forms are one word")
        XCTAssertTrue(matches("CAFÉ DE FLORE", "café de flore"), "case goes, accents stay")
        XCTAssertFalse(matches("the cafe", "café"))
    }

    func testPunctuationIsItsOwnToken() {
        XCTAssertTrue(matches("The capital is Paris.", "Paris"))
        XCTAssertTrue(matches("It is paris, France", "Paris, France"))
        XCTAssertFalse(matches("It is Paris France", "Paris, France"), "a comma in the answer must be there too")
        XCTAssertTrue(matches("Served in the U.S. Army", "U.S. Army"))
        XCTAssertFalse(matches("Served in the US Army", "U.S. Army"))
    }

    func testArticlesAreNotRemoved() {
        XCTAssertTrue(matches("I love The Beatles.", "Beatles"))
        XCTAssertFalse(matches("Beatles were a band", "The Beatles"), "the answer's article must be in the response")
        XCTAssertTrue(matches("It was the Beatles", "The Beatles"))
    }

    func testMultiWordAnswersMustBeContiguousAndWhole() {
        XCTAssertTrue(matches("The president barack obama was born", "Barack Obama"))
        XCTAssertFalse(matches("Obama, Barack", "Barack Obama"))
        XCTAssertFalse(matches("Barack Hussein Obama", "Barack Obama"))
        XCTAssertFalse(matches("a comparison", "paris"), "inside a word is no match")
        XCTAssertFalse(matches("Par is", "Paris"))
    }

    func testSeveralGoldAnswers() {
        let answers = ["Jamaican Creole English Language", "Jamaican English"]
        XCTAssertEqual(ExistMatch.matchedAnswer(response: "They speak Jamaican English mostly.", answers: answers), "Jamaican English")
        XCTAssertNil(ExistMatch.matchedAnswer(response: "They speak English.", answers: answers))
        XCTAssertEqual(ExistMatch.matchedAnswer(response: "Lawyer and judge", answers: ["judge", "Lawyer"]), "judge", "the first listed answer that occurs")
    }

    func testNumbersWrittenAsDigits() {
        XCTAssertTrue(matches("It happened in 1969.", "1969"))
        XCTAssertFalse(matches("It happened in nineteen sixty-nine.", "1969"), "no number spelling")
        XCTAssertFalse(matches("In 19690 BC", "1969"))
        XCTAssertTrue(matches("about 1,000 people", "1,000"))
        XCTAssertFalse(matches("about 1000 people", "1,000"))
        XCTAssertTrue(matches("It is 3.14 or so", "3.14"))
    }

    func testAnswersWithoutWordsNeverMatch() {
        XCTAssertFalse(matches("anything", ""))
        XCTAssertFalse(matches("anything", "  "))
        XCTAssertFalse(matches("", "Paris"))
    }

    /// The asr-score plugin tokenises for the same rule with Python's unicodedata; both must agree.
    func testTokensAgreeWithThePluginsImplementation() throws {
        let texts = ["Café, 3rd!", "Crème brûlée — 42°C; ¿qué?", "naïve co\u{301}operation", "Ⅻ ½ ² x\u{200B}y", "emoji 🎉 ok",
                     "ǅungla İstanbul", "tab\there\u{00A0}nbsp", "The U.S.A.'s G.D.P. (2019) was $21,433 bn", "東京タワー 123"]
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = """
        import json, sys
        sys.path.insert(0, sys.argv[1])
        from asrscore_text import match_tokens
        print(json.dumps([match_tokens(t) for t in json.load(sys.stdin)]))
        """
        let input = try JSONSerialization.data(withJSONObject: texts)
        let result = try Subprocess.runChecked("python3", arguments: ["-c", script, root.appendingPathComponent("plugins/asr-score").path],
                                               input: input, timeout: 60)
        let python = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [[String]])
        for (text, expected) in zip(texts, python) {
            XCTAssertEqual(ExistMatch.tokens(text), expected, "tokens of \(text.debugDescription)")
        }
    }
}

/// Word error rate over the match's words: case and punctuation do not count.
final class WordErrorRateTests: XCTestCase {
    func testCountsSubstitutionsInsertionsAndDeletionsOverTheReference() {
        XCTAssertEqual(WordErrorRate.of(hypothesis: "Paris is the capital.", reference: "paris is the capital"), 0)
        XCTAssertEqual(WordErrorRate.of(hypothesis: "Paris was the capital of France", reference: "Paris is the capital"), 0.75, accuracy: 1e-9)
        XCTAssertEqual(WordErrorRate.of(hypothesis: "", reference: "two words"), 1)
        XCTAssertEqual(WordErrorRate.of(hypothesis: "", reference: "..."), 0)
        XCTAssertEqual(WordErrorRate.of(hypothesis: "a b c d", reference: "a b"), 1)
    }
}
