"""llama.cpp (through llama-cpp-python) on the same GGUF file and the same measurement as
`echox bench infer`: a 512-token prompt and 128 new tokens, each from an empty cache, best of 5.

    CMAKE_ARGS="-DGGML_NATIVE=ON" pip install --target /tmp/llamacpp llama-cpp-python   # builds llama.cpp (~15 min on 2 cores)
    PYTHONPATH=/tmp/llamacpp python3 Tests/Benchmarks/infer/llama_cpp_reference.py ~/.echox/models/SmolLM2-135M-Instruct.Q4_1.gguf
"""
import random
import sys
import time

from llama_cpp import Llama


def main() -> None:
    path = sys.argv[1]
    prompt, tokens, runs = 512, 128, 5
    llm = Llama(model_path=path, n_ctx=1024, n_batch=512, n_ubatch=512, n_threads=2, n_threads_batch=2,
                verbose=False)
    rng = random.Random(0)
    ids = [rng.randrange(1000, llm.n_vocab()) for _ in range(prompt)]
    prefill, decode = [], []
    for run in range(runs):
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        start = time.perf_counter()
        llm.eval(ids)
        prefill.append(prompt / (time.perf_counter() - start))
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        start = time.perf_counter()
        token = ids[0]
        for _ in range(tokens):
            llm.eval([token])
            token = int(llm.scores[llm.n_tokens - 1].argmax())
        decode.append(tokens / (time.perf_counter() - start))
        print(f"run {run + 1}: prefill {prefill[-1]:.1f}, decode {decode[-1]:.1f} tokens/s")
    print(f"llama.cpp prefill tokens/s: {max(prefill):.0f}")
    print(f"llama.cpp decode tokens/s: {max(decode):.0f}")


if __name__ == "__main__":
    main()
