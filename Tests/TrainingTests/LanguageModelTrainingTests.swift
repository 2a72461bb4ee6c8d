import XCTest
import Models
import Tensor
import Tokenizers
import Training

final class LanguageModelTrainingTests: XCTestCase {
    /// The tiny Llama learns a small text: its loss falls from ln(256) ≈ 5.5 to below 1.6 nats per byte.
    func testTinyLlamaLossFalls() {
        let tokens = ByteTokenizer().encode(TinyText.paragraphs)
        let model = LlamaModel(.tiny(vocabSize: 256), seed: 1)
        var settings = LanguageModelTraining()
        settings.totalSteps = 200
        settings.batch = 8
        settings.sequenceLength = 64
        let trainer = LanguageModelTrainer(model: model, data: TokenStream(tokens: tokens), settings: settings)
        let before = trainer.evaluate()
        var last: StepReport?
        for _ in 0..<settings.totalSteps { last = trainer.trainStep() }
        let after = trainer.evaluate()
        print("tiny Llama: loss \(before) → \(after) after \(settings.totalSteps) steps, last grad norm \(last!.gradNorm ?? .nan)")
        XCTAssertGreaterThan(before, 5.0)
        XCTAssertLessThan(after, 1.6)
    }
}
