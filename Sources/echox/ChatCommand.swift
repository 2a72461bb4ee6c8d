import ArgumentParser
import Foundation
import Formats
import Models
import Tokenizers

/// `echox chat`: talk to a pretrained chat model, once with a prompt or interactively.
struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat with a pretrained LLM (streams the answer as it is generated).",
        discussion: "With PROMPT, answers once; without, reads one message per line from standard input (an empty line or /exit ends, /clear starts over).")

    @Option(help: "A known model name or a path to a .gguf file.") var model = "smollm2"
    @Option(help: "System prompt (default: the model template's own, e.g. SmolLM2's).") var system: String?
    @Flag(help: "Always pick the most likely token.") var greedy = false
    @Option(name: .customLong("max-tokens"), help: "Most tokens per answer.") var maxTokens = 256
    @Option(help: "Sampling temperature.") var temperature: Float = 0.7
    @Option(name: .customLong("top-k"), help: "Sample among the k most likely tokens (0: all).") var topK = 40
    @Option(name: .customLong("top-p"), help: "Sample among the most likely tokens holding this much probability.") var topP: Float = 0.9
    @Option(help: "Seed of the sampler.") var seed: UInt64 = 0
    @Option(help: "Context positions kept in the KV cache.") var context = 2048
    @Argument(help: "Message to answer once.") var prompt: String?

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard temperature >= 0 else { throw ValidationError("--temperature must not be negative") }
        guard topK >= 0 else { throw ValidationError("--top-k must not be negative") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard context >= 16 else { throw ValidationError("--context must be at least 16") }
    }

    func run() throws {
        let session: ChatSession
        do {
            let url = try ModelStore.resolve(model)
            let generator = try LlamaGenerator(url: url, capacity: context)
            session = try ChatSession(generator: generator, systemPrompt: system)
        } catch {
            throw CLIError("\(error)")
        }
        let sampling = greedy ? SamplingOptions.greedy
            : SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed)
        let options = GenerationOptions(maxTokens: maxTokens, sampling: sampling)
        if let prompt {
            try answer(prompt, session: session, options: options)
            return
        }
        let interactive = isatty(STDIN_FILENO) != 0
        while true {
            if interactive { print("> ", terminator: ""); fflush(stdout) }
            guard let line = readLine() else { break }
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text == "/exit" || text == "/quit" { break }
            if text == "/clear" { session.clear(); print("(conversation cleared)"); continue }
            try answer(text, session: session, options: options)
        }
    }

    private func answer(_ text: String, session: ChatSession, options: GenerationOptions) throws {
        do {
            try session.respond(to: text, options: options) { piece in
                print(piece, terminator: "")
                fflush(stdout)
                return true
            }
            print()
        } catch {
            print()
            throw CLIError("\(error)")
        }
    }
}
