#!/usr/bin/env python3
"""asr-score: transcribe WAV files with pocketsphinx (en-us) and report word error
rate against reference texts and whether spoken answers contain a gold answer.

Run as a workbench plugin: arguments on argv, an optional JSON context object on
stdin (its "cwd" resolves relative paths). Exit status: 0 scored, 1 bad input,
2 pocketsphinx missing."""

import argparse
import json
import os
import select
import sys
import time

sys.dont_write_bytecode = True  # keep the plugin folder clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from asrscore_audio import AudioError, load_mono_16k  # noqa: E402
from asrscore_text import answer_matches, word_errors  # noqa: E402


class UsageError(Exception):
    """Bad arguments or input files; the message says what to change."""


# MARK: - Context and arguments

def read_context():
    """The JSON context object on stdin, or {} when stdin is a terminal, empty, closed or silent."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return {}
    try:
        if stream.isatty():
            return {}
        fd = stream.fileno()
        chunks = []
        while True:
            ready, _, _ = select.select([fd], [], [], 0.5 if not chunks else 5.0)
            if not ready:
                break
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    except (OSError, ValueError):
        return {}
    text = b"".join(chunks).decode("utf-8", errors="replace").strip()
    if not text:
        return {}
    try:
        context = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"the context on stdin is not JSON ({error}); send a JSON object or nothing")
    if not isinstance(context, dict):
        raise UsageError("the context on stdin must be a JSON object")
    return context


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message}\nusage: {self.format_usage().strip()[7:]}")


def parse_arguments(argv):
    parser = Parser(prog="asr-score", description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--ref", metavar="TEXT", help="reference text for every file")
    group.add_argument("--refs", metavar="FILE.jsonl",
                       help='manifest with lines {"audio": path, "text": reference[, "answers": ...]}; '
                            "every entry is scored")
    parser.add_argument("--answers", metavar="a|b|c", help="gold answers separated by |")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--self-test", action="store_true", help="check the text and audio helpers and exit")
    parser.add_argument("files", nargs="*", metavar="FILE.wav")
    return parser.parse_args(argv)


# MARK: - Jobs

def split_answers(value):
    if value is None:
        return None
    if isinstance(value, list):
        return [str(a) for a in value if str(a).strip()]
    return [a.strip() for a in str(value).split("|") if a.strip()]


def load_manifest(path):
    """Entries of a JSONL manifest; relative audio paths are taken from the manifest's directory."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    except OSError as error:
        raise UsageError(f"cannot read manifest {path}: {error.strerror}") from None
    base = os.path.dirname(os.path.abspath(path))
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            raise UsageError(f"{path}:{number}: not a JSON line ({error})") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("audio"), str):
            raise UsageError(f'{path}:{number}: each line needs an "audio" path string')
        if "text" in entry and not isinstance(entry["text"], str):
            raise UsageError(f'{path}:{number}: "text" must be a string')
        audio = entry["audio"]
        entries.append({"id": entry.get("id"), "audio": audio if os.path.isabs(audio) else os.path.join(base, audio),
                        "text": entry.get("text"), "answers": split_answers(entry.get("answers"))})
    return entries


def context_wav(context):
    """The WAV the workbench made last (last_outputs.wav), else its current sample, else None."""
    outputs = context.get("last_outputs") if isinstance(context.get("last_outputs"), dict) else {}
    for candidate in (outputs.get("wav"), context.get("sample")):
        if isinstance(candidate, str) and candidate.lower().endswith((".wav", ".flac")):
            return candidate
    return None


def build_jobs(args, cwd, context=None):
    resolve = lambda p: p if os.path.isabs(p) else os.path.join(cwd, p)  # noqa: E731
    answers = split_answers(args.answers)
    jobs = []
    by_path = {}
    if not args.files and not args.refs:
        # In the workbench, with no file named: the audio just made (e.g. by `units resynth`).
        latest = context_wav(context or {})
        if latest:
            args.files = [latest]
    if args.refs:
        for entry in load_manifest(resolve(args.refs)):
            entry["answers"] = entry["answers"] or answers
            jobs.append(entry)
            by_path[os.path.realpath(entry["audio"])] = entry
    for file in args.files:
        path = resolve(file)
        known = by_path.get(os.path.realpath(path))
        if known is None:
            jobs.append({"id": None, "audio": path, "text": args.ref, "answers": answers})
    if not jobs:
        raise UsageError("no audio to score: give FILE.wav arguments or --refs FILE.jsonl "
                         "(in the workbench, the last WAV made is used when none is given)")
    return jobs


# MARK: - Recognition and scoring

def make_decoder():
    try:
        from pocketsphinx import Decoder
    except ImportError:
        print("asr-score: the Python package pocketsphinx is missing; install it with: pip install pocketsphinx",
              file=sys.stderr)
        sys.exit(2)
    return Decoder(loglevel="FATAL")


def transcribe(decoder, pcm):
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr.strip() if hypothesis is not None else ""


def score(jobs):
    """Transcribes and scores every job; the recogniser loads at the first readable file,
    and a file listed twice is decoded once."""
    decoder = None
    transcripts = {}
    results = []
    for job in jobs:
        result = {"id": job["id"], "audio": job["audio"], "reference": job["text"], "answers": job["answers"]}
        key = os.path.realpath(job["audio"])
        if key not in transcripts:
            try:
                pcm, duration = load_mono_16k(job["audio"])
            except AudioError as error:
                result["error"] = str(error)
                results.append(result)
                continue
            decoder = decoder or make_decoder()
            start = time.perf_counter()
            transcripts[key] = (transcribe(decoder, pcm), round(duration, 3), round(time.perf_counter() - start, 3))
        result["transcript"], result["duration"], result["decode_seconds"] = transcripts[key]
        if job["text"] is not None:
            result.update(word_errors(job["text"], result["transcript"]))
        if job["answers"]:
            result["answer_match"] = answer_matches(result["transcript"], job["answers"])
        results.append(result)
    return results


def summarize(results):
    scored = [r for r in results if r.get("wer") is not None]
    words = sum(r["ref_words"] for r in scored)
    edits = sum(r["edits"] for r in scored)
    judged = [r for r in results if "answer_match" in r]
    matched = sum(1 for r in judged if r["answer_match"])
    return {"files": len(results), "errors": sum(1 for r in results if "error" in r),
            "ref_words": words, "edits": edits, "wer": edits / words if words else None,
            "answers_total": len(judged), "answers_matched": matched,
            "answer_accuracy": matched / len(judged) if judged else None}


# MARK: - Output

def print_human(results, summary):
    for r in results:
        name = r["id"] or r["audio"]
        if "error" in r:
            print(f"{name}: error: {r['error']}")
            continue
        line = f'{name}: "{r["transcript"]}"'
        if r.get("wer") is not None:
            line += f"  WER {100 * r['wer']:.2f}% ({r['edits']}/{r['ref_words']})"
        if "answer_match" in r:
            line += "  answer: " + ("match" if r["answer_match"] else "no match")
        print(line)
    if summary["wer"] is not None:
        print(f"WER: {100 * summary['wer']:.2f}% ({summary['ref_words']} words)")
    else:
        print("WER: n/a (0 words)")
    if summary["answers_total"]:
        print(f"Answers: {summary['answers_matched']}/{summary['answers_total']} matched "
              f"({100 * summary['answer_accuracy']:.2f}%)")


def main(argv):
    try:
        args = parse_arguments(argv)
        if args.self_test:
            from asrscore_selftest import run_self_test
            return run_self_test()
        context = read_context()
        cwd = context.get("cwd") if isinstance(context.get("cwd"), str) else os.getcwd()
        jobs = build_jobs(args, cwd, context)
    except UsageError as error:
        print(f"asr-score: {error}", file=sys.stderr)
        return 1
    results = score(jobs)
    summary = summarize(results)
    if args.json:
        print(json.dumps({"results": results, "summary": summary}, ensure_ascii=False))
    else:
        print_human(results, summary)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
