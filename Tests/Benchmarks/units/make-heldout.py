#!/usr/bin/env python3
"""Builds the held-out sentences of the units measurement: assistant answers in plain words.

SmolLM2 answers the web_questions test questions (in file order, greedy decoding, each question in a
fresh conversation); the first sentence of each answer is kept unless it holds a digit or a non-ASCII
character (number normalisation is out of the scorer's scope) or has fewer than 4 or more than 25
words. The first N kept sentences are written as {"id", "text", "question"} lines.

    Tests/Benchmarks/units/make-heldout.py --echox .build/release/echox \
        --questions ../shared/data/qa/web_questions_test.jsonl --out Tests/Benchmarks/units/heldout-answers.jsonl
"""

import argparse
import json
import re
import subprocess
import sys
import threading

# MARK: - First sentence

# Words ending in a full stop that do not end a sentence (besides single-letter initials).
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "no", "mt", "ft"}
CLEARED = "(conversation cleared)"


def first_sentence(answer):
    """The text up to the first '.', '!' or '?' that ends a sentence, or None when none ends one."""
    text = " ".join(answer.split())
    for match in re.finditer(r"[.!?]+[\"')\]]*(?=\s|$)", text):
        end = match.end()
        if text[match.start()] == ".":
            word = text[:match.start()].split(" ")[-1].lstrip("\"'(*[").lower()
            if len(word) == 1 and word.isalpha() or word in ABBREVIATIONS:
                continue
        return text[:end].strip()
    return None


def rejection(sentence, shortest, longest):
    """Why a first sentence is not kept, or None when it is."""
    if sentence is None:
        return "no complete sentence"
    if any(c.isdigit() for c in sentence):
        return "digits"
    if any(ord(c) > 127 for c in sentence):
        return "non-ASCII"
    words = len(sentence.split())
    if words < shortest:
        return "fewer than %d words" % shortest
    if words > longest:
        return "more than %d words" % longest
    return None

# MARK: - Answers


class Chat:
    """One `echox chat --greedy` process fed every question in turn, each in a fresh conversation.

    All questions are written up front by a thread: echox flushes an answer as it streams, but its
    "(conversation cleared)" line only with the next answer (or at exit)."""

    def __init__(self, echox, model, max_tokens, questions):
        command = [echox, "chat", "--model", model, "--greedy", "--max-tokens", str(max_tokens)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.writer = threading.Thread(target=self._write, args=(questions,), daemon=True)
        self.writer.start()

    def _write(self, questions):
        try:
            for question in questions:
                self.process.stdin.write(" ".join(question.split()) + "\n/clear\n")
                self.process.stdin.flush()
            self.process.stdin.close()
        except (BrokenPipeError, ValueError):
            pass

    def next_answer(self):
        """The next answer's text, or None when echox has stopped."""
        lines = []
        while True:
            line = self.process.stdout.readline()
            if line == "":
                return None
            if line.rstrip("\n") == CLEARED:
                return "\n".join(lines).strip()
            lines.append(line.rstrip("\n"))

    def close(self):
        self.process.kill()
        self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--echox", default=".build/release/echox", help="echox binary")
    parser.add_argument("--model", default="smollm2", help="chat model (name or .gguf path)")
    parser.add_argument("--questions", default="../shared/data/qa/web_questions_test.jsonl")
    parser.add_argument("--out", required=True, help="output JSONL")
    parser.add_argument("--count", type=int, default=100, help="sentences to keep")
    parser.add_argument("--shortest", type=int, default=4, help="fewest words of a kept sentence")
    parser.add_argument("--longest", type=int, default=25, help="most words of a kept sentence")
    parser.add_argument("--max-tokens", type=int, default=64,
                        help="answer tokens generated; a first sentence not finished by then is longer than --longest")
    parser.add_argument("--log", help="also write every answer and why it was skipped to this JSONL")
    args = parser.parse_args()

    with open(args.questions, encoding="utf-8") as f:
        questions = [json.loads(line) for line in f if line.strip()]
    texts = [item.get("question") or item.get("text") for item in questions]
    chat = Chat(args.echox, args.model, args.max_tokens, texts)
    kept, log = [], []
    for number, (item, question) in enumerate(zip(questions, texts)):
        if len(kept) >= args.count:
            break
        answer = chat.next_answer()
        if answer is None:
            raise SystemExit("echox chat stopped after %d answers" % number)
        sentence = first_sentence(answer)
        reason = rejection(sentence, args.shortest, args.longest)
        log.append({"id": item.get("id", "line-%d" % (number + 1)), "question": question, "answer": answer,
                    "sentence": sentence, "skipped": reason})
        if reason is None:
            kept.append({"id": "%s-answer" % item.get("id", "line-%d" % (number + 1)), "text": sentence, "question": question})
        print("%d/%d kept after %d questions" % (len(kept), args.count, number + 1), file=sys.stderr, end="\r")
    chat.close()
    print(file=sys.stderr)
    if len(kept) < args.count:
        raise SystemExit("only %d sentences kept from %d questions" % (len(kept), len(questions)))
    with open(args.out, "w", encoding="utf-8") as f:
        for item in kept:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    if args.log:
        with open(args.log, "w", encoding="utf-8") as f:
            for item in log:
                f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print("%d sentences from the first %d questions written to %s" % (len(kept), len(log), args.out))


if __name__ == "__main__":
    main()
