#!/usr/bin/env python3
"""Writes the golden values that Tests/ModelsTests/Whisper*Tests.swift compare against.

For each WAV here (16 kHz, 16-bit mono) and each model folder given, it stores in
<model>.json: summary statistics and a few frames of the log-mel features (faster-whisper's
FeatureExtractor, the front end CTranslate2's Whisper is used with), summary statistics and a few
rows of the encoder output on the 30 s window (CTranslate2, float32), and the greedy token ids of
transcription (CTranslate2 `generate`, the prompt and token suppression faster-whisper uses); and
the same on the audio's own frames, without the 30 s window ("realLength").

    pip install ctranslate2 faster-whisper scipy
    python3 make_whisper_fixtures.py --wavs          # (re)synthesise the WAVs with flite / espeak-ng
    python3 make_whisper_fixtures.py ~/.echox/models/whisper-tiny.en ~/.echox/models/whisper-base

Reference only: nothing in the package runs this script or imports these packages.
"""
import json, os, subprocess, sys, tempfile
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CLIPS = {
    "slt_weather": ("flite:slt", "The weather is lovely today, let us go for a walk in the park."),
    "kal_numbers": ("flite:kal16", "Please call me back at seven thirty tomorrow morning."),
    "espeak_question": ("espeak:en-us+f3", "What is the capital of France?"),
    "rms_noisy": ("flite:rms", "A quiet room helps me think about difficult problems."),
    # Made by the workbench itself (espeak-ng with its speed and pitch jitter, its resampler and WAV
    # writer): `say voice=espeak:en-us+m3 <text>` in the echox shell, the WAV copied here.
    "echox_say": ("echox", "Turn left at the second traffic light and park behind the bakery."),
}
MEL_FRAMES = [0, 1, 50, 120]       # log-mel frames stored in full
ENCODER_ROWS = [0, 150, 1499]  # encoder output rows stored in full


def synthesise(name, voice, text):
    from scipy.io import wavfile
    from scipy.signal import resample_poly
    engine, v = voice.split(":")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        if engine == "flite":
            subprocess.run(["flite", "-voice", v, "-t", text, "-o", raw], check=True)
        else:
            subprocess.run(["espeak-ng", "-v", v, "-w", raw, text], check=True)
        rate, x = wavfile.read(raw)
    x = x.astype(np.float64) / 32768.0
    if rate != 16000:
        g = np.gcd(rate, 16000)
        x = resample_poly(x, 16000 // g, rate // g)
    if name == "rms_noisy":  # a rougher clip: room noise and a lower level
        rng = np.random.default_rng(7)
        x = 0.5 * x + 0.003 * rng.standard_normal(len(x))
    x = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    wavfile.write(os.path.join(HERE, name + ".wav"), 16000, x)


def read(name):
    from scipy.io import wavfile
    rate, x = wavfile.read(os.path.join(HERE, name + ".wav"))
    assert rate == 16000 and x.dtype == np.int16
    return x.astype(np.float32) / 32768.0


def stats(a):
    return {"mean": float(a.mean()), "std": float(a.std()), "min": float(a.min()), "max": float(a.max()),
            "absSum": float(np.abs(a).sum(dtype=np.float64))}


def fixtures(model_dir):
    import ctranslate2
    from faster_whisper.feature_extractor import FeatureExtractor
    from faster_whisper.audio import pad_or_trim
    model = ctranslate2.models.Whisper(model_dir, device="cpu", compute_type="float32", intra_threads=2)
    config = json.load(open(os.path.join(model_dir, "config.json")))
    vocab = open(os.path.join(model_dir, "vocabulary.txt"), encoding="utf-8").read().split("\n")
    tok = {t: i for i, t in enumerate(vocab)}
    prompt = [tok["<|startoftranscript|>"]]
    if model.is_multilingual:
        prompt += [tok["<|en|>"], tok["<|transcribe|>"]]
    prompt += [tok["<|notimestamps|>"]]
    fe = FeatureExtractor(feature_size=model.n_mels)
    out = {"model": os.path.basename(model_dir.rstrip("/")), "prompt": prompt, "clips": []}
    for name in sorted(CLIPS):
        audio = read(name)
        mel = fe(audio)[:, :-1]            # [80, T]: faster-whisper drops the last frame as well
        window = pad_or_trim(mel)          # [80, 3000], zeros after the audio
        features = ctranslate2.StorageView.from_array(np.ascontiguousarray(window[None], dtype=np.float32))
        enc = np.array(model.encode(features, to_cpu=True))[0]   # [1500, C]
        result = model.generate(model.encode(features, to_cpu=True), [prompt], beam_size=1, max_length=448,
                                suppress_blank=True, suppress_tokens=[-1], return_scores=True)[0]
        ids = result.sequences_ids[0]
        # The encoder on the audio's own frames (no 30 s window), and greedy decoding from it.
        short = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
        short_enc = np.array(model.encode(short, to_cpu=True))[0]
        short_ids = model.generate(model.encode(short, to_cpu=True), [prompt], beam_size=1, max_length=448,
                                   suppress_blank=True, suppress_tokens=[-1])[0].sequences_ids[0]
        last = short_enc.shape[0] - 1
        text = bytes(bytearray(_byte_decoder()[c] for t in ids if not vocab[t].startswith("<|") for c in vocab[t])).decode("utf-8", "replace")
        out["clips"].append({
            "name": name, "samples": int(len(audio)), "text": CLIPS[name][1],
            "logMel": {"frames": int(mel.shape[1]), **stats(mel),
                       "rows": {str(t): _r(mel[:, t]) for t in MEL_FRAMES if t < mel.shape[1]}},
            "encoder": {"shape": list(enc.shape), **stats(enc), "rows": {str(r): _r(enc[r]) for r in ENCODER_ROWS}},
            "tokens": ids, "transcript": text.strip(),
            "realLength": {"encoder": {"shape": list(short_enc.shape), **stats(short_enc),
                                       "rows": {str(r): _r(short_enc[r]) for r in [0, last]}},
                           "tokens": short_ids},
        })
        print(out["model"], name, repr(text.strip()))
    path = os.path.join(HERE, out["model"] + ".json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", path)


def _r(values):
    return [float(f"{v:.6g}") for v in values]


def _byte_decoder():
    # GPT-2's printable stand-ins for the 256 byte values, inverted.
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


if __name__ == "__main__":
    if "--wavs" in sys.argv:
        for name, (voice, text) in CLIPS.items():
            if voice != "echox":
                synthesise(name, voice, text)
    for d in sys.argv[1:]:
        if d != "--wavs":
            fixtures(os.path.expanduser(d))
