#!/usr/bin/env python3
"""Word error rate of Whisper transcription (echox `transcribe`) next to the pocketsphinx plugin
(plugins/asr-score) on 100 sentences spoken by flite and espeak-ng voices. See README.md."""
import argparse, json, os, subprocess, sys
import speech_set

sys.path.insert(0, os.path.join(speech_set.ROOT, "plugins", "asr-score"))
from asrscore_text import word_errors  # the plugin's normaliser and WER, so both systems are scored alike


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="whisper-tiny.en")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--first", type=int, default=0, help="first sentence of sessions/texts/everyday.txt")
    ap.add_argument("--echox", default=os.path.join(speech_set.ROOT, ".build", "release", "echox"))
    ap.add_argument("--work", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "echox-whisper-wer"))
    args = ap.parse_args()
    s = speech_set.sentences()
    items = [("s%03d" % i, s[args.first + i], speech_set.VOICES[i % len(speech_set.VOICES)]) for i in range(args.count)]
    rows = speech_set.build(args.work, items)
    paths = [os.path.join(args.work, r["audio"]) for r in rows]
    print("%d sentences, %.1f s of audio, voices %s" % (len(rows), sum(r["seconds"] for r in rows), ", ".join(speech_set.VOICES)))

    def report(name, hypotheses):
        scores = [word_errors(r["text"], h) for r, h in zip(rows, hypotheses)]
        words, edits = sum(x["ref_words"] for x in scores), sum(x["edits"] for x in scores)
        by_engine = {}
        for r, x in zip(rows, scores):
            e = by_engine.setdefault(r["voice"].split(":")[0], [0, 0]); e[0] += x["edits"]; e[1] += x["ref_words"]
        per = ", ".join("%s %.2f%%" % (k, 100 * v[0] / v[1]) for k, v in sorted(by_engine.items()))
        print("%-28s WER %.2f%% (%d edits / %d words; %s)" % (name, 100 * edits / words, edits, words, per))
        return scores

    plugin = os.path.join(speech_set.ROOT, "plugins", "asr-score", "asr_score.py")
    out = subprocess.run([sys.executable, plugin, "--refs", os.path.join(args.work, "manifest.jsonl"), "--json"],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, check=True).stdout
    sphinx = {r["id"]: r.get("transcript", "") for r in json.loads(out)["results"]}
    report("pocketsphinx (asr-score)", [sphinx[r["id"]] for r in rows])
    for model in args.models.split(","):
        texts, _ = speech_set.echox_transcribe(args.echox, model, paths)
        scores = report("echox transcribe " + model, texts)
        worst = sorted(zip(scores, rows, texts), key=lambda t: -t[0]["edits"])[:5]
        for x, r, t in worst:
            if x["edits"]:
                print("    %s %s: %r -> %r" % (r["id"], r["voice"], r["text"], t))


if __name__ == "__main__":
    main()
