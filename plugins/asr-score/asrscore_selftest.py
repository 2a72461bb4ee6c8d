"""Checks of the scorer's text and audio helpers that need no recogniser (`asr-score --self-test`)."""

import io
import os
import tempfile
import wave

import numpy as np

from asrscore_audio import read_wav, resample
from asrscore_text import answer_matches, edit_counts, match_tokens, normalize_words, word_errors


def _cases():
    yield "normalise punctuation and case", normalize_words("Hello, World! It's   fine."), ["hello", "world", "it's", "fine"]
    yield "numbers as words", normalize_words("In 1990 I paid $1,205.5 for 3 cats"), \
        "in nineteen ninety i paid one thousand two hundred five point five dollars for three cats".split()
    yield "ordinals and percent", normalize_words("the 21st, 2nd and 50%"), \
        "the twenty first second and fifty percent".split()
    yield "decades and early years", normalize_words("the 1980s; 2005; 1905"), \
        "the nineteen eighties two thousand five nineteen oh five".split()
    yield "hyphens split words", normalize_words("forty-two well-known"), ["forty", "two", "well", "known"]
    yield "edit counts", edit_counts("a b c d".split(), "a x c d e".split()), (1, 0, 1)
    yield "deletions", edit_counts("a b c".split(), ["b"]), (0, 2, 0)
    yield "empty hypothesis WER", word_errors("one two three", "")["wer"], 1.0
    yield "perfect WER", word_errors("The cat sat.", "the cat sat")["wer"], 0.0
    yield "match tokens", match_tokens("Café, 3rd!"), ["cafe\u0301", ",", "3rd", "!"]
    yield "answer in transcript", answer_matches("it is in paris france", ["Paris"]), True
    yield "answer must be whole tokens", answer_matches("comparison", ["paris"]), False
    yield "answer sequence", answer_matches("barack obama was born", ["Barack Obama", "x"]), True
    yield "digits answer heard as words", answer_matches("in nineteen sixty nine", ["1969"]), True


def _audio_checks():
    rate, seconds, tone = 44100, 0.5, 440.0
    t = np.arange(int(rate * seconds)) / rate
    signal = 0.5 * np.sin(2 * np.pi * tone * t)
    out = resample(signal, rate, 16000)
    spectrum = np.abs(np.fft.rfft(out * np.hanning(len(out))))
    peak_hz = np.argmax(spectrum) * 16000 / len(out)
    yield "resampled length", len(out), int(len(signal) * 16000 / rate)
    yield "resampled tone frequency", abs(peak_hz - tone) < 5, True
    middle = out[len(out) // 4: 3 * len(out) // 4]
    yield "resampled amplitude", abs(np.max(np.abs(middle)) - 0.5) < 0.02, True
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(2); w.setsampwidth(2); w.setframerate(22050)
        w.writeframes(np.array([[1000, -1000], [2000, -2000]], dtype="<i2").tobytes())
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "x.wav")
        with open(path, "wb") as f:
            f.write(buffer.getvalue())
        samples, read_rate = read_wav(path)
    yield "wav rate", read_rate, 22050
    yield "wav samples", samples.tolist(), [[1000 / 32768, -1000 / 32768], [2000 / 32768, -2000 / 32768]]


def run_self_test():
    failures = 0
    checks = list(_cases()) + list(_audio_checks())
    for name, got, expected in checks:
        ok = got == expected
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": got {got!r}, expected {expected!r}"))
    print(f"self-test: {len(checks) - failures}/{len(checks)} passed")
    return 1 if failures else 0
