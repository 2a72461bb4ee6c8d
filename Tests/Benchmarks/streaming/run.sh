#!/usr/bin/env bash
# Streaming spoken answers: for each question, when the first audio chunk was ready and when the text
# finished, counted from the end of the question's audio (see README.md).
#
#   swift build -c release --product echox
#   Tests/Benchmarks/streaming/run.sh [RUN] [VOICE]     # RUN: an Echo run (default echo-tiny),
#                                                       # VOICE: one no training used (default festival:ked_diphone)
#
# Environment: ECHOX (binary, default .build/release/echox), MAX_TOKENS (default 96), QUESTIONS (a file
# of questions, one a line; default: the five below).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
RUN=${1:-echo-tiny}
VOICE=${2:-festival:ked_diphone}
ECHOX=${ECHOX:-.build/release/echox}
MAX_TOKENS=${MAX_TOKENS:-96}
[ -x "$ECHOX" ] || { echo "no $ECHOX: run 'swift build -c release --product echox' first" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -n "${QUESTIONS:-}" ]; then cp "$QUESTIONS" "$WORK/questions.txt"; else
cat > "$WORK/questions.txt" <<'QUESTIONS_END'
who was the first president of the united states and what did he do?
what is the capital of france and why is it famous?
tell me about the history of the roman empire.
how does a plane fly?
what do you know about the pacific ocean?
QUESTIONS_END
fi

printf "%-60s %7s %12s %11s %12s %13s\n" question tokens "first token" "first chunk" "chunk words" "text finished"
while IFS= read -r question; do
    [ -n "$question" ] || continue
    wav=$("$ECHOX" say "voice=$VOICE" "$question" | sed -n "s/^wav: \([^ ]*\).*/\1/p")
    "$ECHOX" ask --run "$RUN" --audio "$wav" --stream --max-tokens "$MAX_TOKENS" --out "$WORK/a.wav" > "$WORK/out" 2>&1 || { cat "$WORK/out" >&2; exit 1; }
    tokens=$(sed -n 's/^(\([0-9]*\) tokens; first token \([0-9.]*\) s.*/\1/p' "$WORK/out")
    first=$(sed -n 's/^(\([0-9]*\) tokens; first token \([0-9.]*\) s.*/\2/p' "$WORK/out")
    chunk=$(grep -m1 '^speech 1[ :]' "$WORK/out" | sed -n 's/.* \([0-9][0-9]*\) unit words, .* ready \([0-9.]*\) s after .*text done at \([0-9.]*\) s.*/\2 \1 \3/p' || true)
    read -r ready words done <<< "${chunk:-- - -}"
    printf "%-60s %7s %10s s %9s s %12s %11s s\n" "${question:0:60}" "$tokens" "$first" "$ready" "$words" "$done"
done < "$WORK/questions.txt"
