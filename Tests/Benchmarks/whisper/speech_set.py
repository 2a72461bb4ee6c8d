"""Spoken test sets for the Whisper benchmarks: sentences of sessions/texts/everyday.txt spoken by
flite and espeak-ng voices into 16 kHz, 16-bit mono WAVs, with a manifest.jsonl (id, audio, text)."""
import json, os, subprocess, tempfile
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VOICES = ["flite:slt", "flite:kal16", "flite:awb", "flite:rms",
          "espeak:en-us", "espeak:en-gb", "espeak:en-us+f3", "espeak:en-us+m3"]


def sentences():
    with open(os.path.join(ROOT, "sessions", "texts", "everyday.txt"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def speak(text, voice, path):
    from scipy.io import wavfile
    from scipy.signal import resample_poly
    engine, name = voice.split(":")
    with tempfile.TemporaryDirectory() as tmp:
        raw = os.path.join(tmp, "raw.wav")
        if engine == "flite":
            subprocess.run(["flite", "-voice", name, "-t", text, "-o", raw], check=True)
        else:
            subprocess.run(["espeak-ng", "-v", name, "-w", raw, text], check=True)
        rate, x = wavfile.read(raw)
    x = x.astype(np.float64) / 32768.0
    if rate != 16000:
        g = np.gcd(rate, 16000)
        x = resample_poly(x, 16000 // g, rate // g)
    wavfile.write(path, 16000, np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16))
    return len(x) / 16000


def build(folder, items):
    """Speaks (id, text, voice) items into folder (kept when already there); returns the manifest rows."""
    os.makedirs(folder, exist_ok=True)
    rows = []
    for ident, text, voice in items:
        path = os.path.join(folder, ident + ".wav")
        if not os.path.exists(path):
            speak(text, voice, path)
        from scipy.io import wavfile
        rate, x = wavfile.read(path)
        rows.append({"id": ident, "audio": ident + ".wav", "text": text, "voice": voice, "seconds": len(x) / rate})
    with open(os.path.join(folder, "manifest.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return rows


def echox_transcribe(echox, model, paths, window="padded"):
    """Transcripts of paths by the workbench's `transcribe` (one shell, the model loaded once, a
    first file transcribed before the timed call), and the wall time the shell reports for the call."""
    lines = [f"transcribe model={model} {paths[0]}",
             f"transcribe model={model} window={window} timings=on " + " ".join(paths)]
    out = subprocess.run([echox], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout
    texts, wall = {}, None
    for line in out.splitlines():
        for p in paths:
            name = os.path.basename(p)
            if line.startswith(name + ": "):
                texts[p] = line[len(name) + 2:]
        if line.startswith("total: "):
            wall = float(line.split(" in ")[1].split(" s")[0])
    missing = [p for p in paths if p not in texts]
    if missing or wall is None:
        raise SystemExit("echox printed no transcript for %s:\n%s" % (missing[:3], out[-2000:]))
    return [texts[p] for p in paths], wall


class EchoxShell:
    """One echox shell kept open (model loaded once), asked to transcribe a file at a time."""

    def __init__(self, echox, model):
        self.model = model
        self.process = subprocess.Popen(["stdbuf", "-oL", echox], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, bufsize=1)

    def transcribe(self, path, window="padded"):
        """(text, wall seconds the shell measured for reading, transcribing and printing the file)."""
        self.process.stdin.write(f"transcribe model={self.model} window={window} timings=on {path}\n")
        self.process.stdin.flush()
        lines = []
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise SystemExit("echox ended early:\n" + "".join(lines[-20:]))
            lines.append(line)
            if line.startswith("total: "):
                wall = float(line.split(" in ")[1].split(" s")[0])
                text = next((l for l in lines if not l.startswith("  ") and not l.startswith("total:") and l.strip()
                             and not l.startswith("echox") and not l.startswith("error")), "").strip()
                encoder = next(float(l.split("encoder ")[1].split(" ms")[0]) for l in lines if "encoder " in l)
                return text, wall, encoder

    def close(self):
        self.process.stdin.close()
        self.process.wait()
