#!/usr/bin/env python3
"""Checks that no held-out text occurs in the training corpora.

Texts are compared after lower-casing and keeping only letters, digits, apostrophes and single
spaces. A held-out text counts as seen when it equals a training text, contains one of at least
four words, or is contained in one. Exit status 1 when any is seen.

    Tests/Benchmarks/units/check-overlap.py --heldout Tests/Benchmarks/units/heldout-answers.jsonl \
        --train CORPUS/manifest.jsonl [--train OTHER/manifest.jsonl ...]
"""

import argparse
import json
import re
import sys


def normalise(text):
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line).get("text") or json.loads(line).get("question") for line in f if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", required=True, help="held-out JSONL (text or question field)")
    parser.add_argument("--train", action="append", required=True, help="training manifest or text JSONL (repeatable)")
    args = parser.parse_args()

    held = [normalise(t) for t in texts(args.heldout)]
    train = sorted({normalise(t) for path in args.train for t in texts(path)})
    padded = [" %s " % t for t in train]
    seen = 0
    for text in held:
        inner = " %s " % text
        hits = [t for t, p in zip(train, padded)
                if t == text or inner in p or (len(t.split()) >= 4 and p in inner)]
        if hits:
            seen += 1
            print("seen: %r ~ %r" % (text, hits[0]))
    print("%d of %d held-out texts occur in %d distinct training texts" % (seen, len(held), len(train)))
    sys.exit(1 if seen else 0)


if __name__ == "__main__":
    main()
