#!/usr/bin/env python3
"""Greedy transcription speed, echox against faster-whisper (CTranslate2, float32, 2 threads), side
by side on the same WAVs, and the encoder alone on 10 s of audio. See README.md."""
import argparse, json, os, statistics, subprocess, sys, time
import numpy as np
import speech_set


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="whisper-tiny.en")
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--echox", default=os.path.join(speech_set.ROOT, ".build", "release", "echox"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "echox-whisper-bench"))
    args = ap.parse_args()
    home = os.environ.get("ECHOX_HOME", os.path.expanduser("~/.echox"))
    folder = os.path.join(home, "models", args.model)

    # Utterances of 2-10 s: single sentences and pairs of sentences, voices in turn.
    s = speech_set.sentences()
    items = []
    for i in range(args.count):
        text = s[i] if i % 3 else s[i] + " " + s[i + 100]
        if i % 6 == 5:
            text = s[i] + " " + s[i + 100] + " " + s[i + 200]
        items.append(("u%02d" % i, text, speech_set.VOICES[i % len(speech_set.VOICES)]))
    rows = speech_set.build(args.work, items)
    paths = [os.path.join(args.work, r["audio"]) for r in rows]
    seconds = sum(r["seconds"] for r in rows)
    print("%d utterances, %.1f s of audio (%.1f to %.1f s each)" % (len(rows), seconds, min(r["seconds"] for r in rows), max(r["seconds"] for r in rows)))

    from faster_whisper import WhisperModel
    from scipy.io import wavfile
    fw = WhisperModel(folder, device="cpu", compute_type="float32", cpu_threads=2)
    audio = [wavfile.read(p)[1].astype(np.float32) / 32768 for p in paths]
    options = dict(beam_size=1, temperature=0.0, without_timestamps=True, language="en",
                   condition_on_previous_text=False, vad_filter=False)

    def faster_whisper():
        out = []
        for a in audio:
            segments, _ = fw.transcribe(a, **options)
            out.append("".join(seg.text for seg in segments).strip())
        return out

    shell = speech_set.EchoxShell(args.echox, args.model)
    # Warm-up, then each utterance by both in turn (the order alternating), so that the machine's
    # other work falls on both alike.
    fw_one = lambda a: "".join(seg.text for seg in fw.transcribe(a, **options)[0]).strip()
    fw_one(audio[0]); shell.transcribe(paths[0])
    fw_rounds, ex_rounds = [], []
    for r in range(args.rounds):
        fw_t, ex_t, fw_text, ex_text = 0.0, 0.0, [], []
        for i, (a, p) in enumerate(zip(audio, paths)):
            for who in (("fw", "ex") if (i + r) % 2 == 0 else ("ex", "fw")):
                if who == "fw":
                    t = time.perf_counter(); fw_text.append(fw_one(a)); fw_t += time.perf_counter() - t
                else:
                    text, wall, _ = shell.transcribe(p); ex_text.append(text); ex_t += wall
        fw_rounds.append(fw_t); ex_rounds.append(ex_t)
        print("round %d: faster-whisper %.2f s, echox %.2f s, ratio %.3f" % (r + 1, fw_t, ex_t, ex_t / fw_t))
    same = sum(a == b for a, b in zip(fw_text, ex_text))
    print("identical transcripts: %d of %d" % (same, len(paths)))
    for a, b, p in zip(fw_text, ex_text, paths):
        if a != b:
            print("  %s\n    faster-whisper: %s\n    echox:          %s" % (os.path.basename(p), a, b))
    fw_all, ex_all = sum(fw_rounds), sum(ex_rounds)
    print("all rounds: faster-whisper %.2f s (real-time factor %.3f), echox %.2f s (real-time factor %.3f), ratio echox/faster-whisper %.3f"
          % (fw_all, fw_all / (seconds * args.rounds), ex_all, ex_all / (seconds * args.rounds), ex_all / fw_all))

    # The encoder alone on 10 s of audio: the 30 s window (what transcription runs) and the real length.
    import ctranslate2
    from faster_whisper.feature_extractor import FeatureExtractor
    from faster_whisper.audio import pad_or_trim
    ten = np.concatenate(audio)[:160000]
    mel = FeatureExtractor()(ten)[:, :-1]
    for name, feats in [("30 s window", pad_or_trim(mel)), ("real length", mel)]:
        sv = ctranslate2.StorageView.from_array(np.ascontiguousarray(feats[None], dtype=np.float32))
        fw.model.encode(sv)
        times = []
        for _ in range(5):
            t = time.perf_counter(); fw.model.encode(sv); times.append(time.perf_counter() - t)
        print("CTranslate2 encoder, 10 s of audio, %s (%d frames): median %.1f ms" % (name, feats.shape[1], 1000 * statistics.median(times)))
    tenfile = os.path.join(args.work, "ten.wav")
    wavfile.write(tenfile, 16000, np.round(ten * 32767).astype(np.int16))
    for window in ["padded", "audio"]:
        shell.transcribe(tenfile, window)
        enc = [shell.transcribe(tenfile, window)[2] for _ in range(5)]
        print("echox encoder, 10 s of audio, %s: median %.1f ms" % ("30 s window" if window == "padded" else "real length", statistics.median(enc)))
    shell.close()


if __name__ == "__main__":
    main()
