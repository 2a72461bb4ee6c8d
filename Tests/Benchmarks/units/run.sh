#!/usr/bin/env bash
# The units intelligibility measurement, end to end with default settings (see README.md).
#
#   swift build -c release --product echox
#   Tests/Benchmarks/units/run.sh [WORK]            # WORK defaults to /tmp/units-bench
#
# Environment: ECHOX (binary, default .build/release/echox), DATA (web_questions folder),
# SKIP_TRAINING=1 to evaluate an existing WORK/model, EVAL_FLAGS (extra `units evaluate` options).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=${1:-/tmp/units-bench}
ECHOX=${ECHOX:-$ROOT/.build/release/echox}
DATA=${DATA:-../shared/data/qa}   # the data folder beside the repository
TIME="/usr/bin/time -v"
mkdir -p "$WORK"
cd "$ROOT"

if [ "${SKIP_TRAINING:-0}" != 1 ]; then
    # Training texts: web_questions train questions 0–499 in the eight default input voices (slt among
    # them), questions 500–999 in the target voice only.
    $TIME "$ECHOX" corpus synth --text "$DATA/web_questions_train.jsonl" --limit 500 --voices default \
        --out "$WORK/corpus-multi" > "$WORK/synth-multi.log" 2> "$WORK/synth-multi.time"
    $TIME "$ECHOX" corpus synth --text "$DATA/web_questions_train.jsonl" --skip 500 --limit 500 --voices target \
        --out "$WORK/corpus-target" > "$WORK/synth-target.log" 2> "$WORK/synth-target.time"
    uptime > "$WORK/train.load-start"
    $TIME "$ECHOX" units train --corpus "$WORK/corpus-multi,$WORK/corpus-target" --out "$WORK/model" --preset default \
        > "$WORK/train.log" 2> "$WORK/train.time"
    uptime > "$WORK/train.load-end"
fi

# Held-out sets in the target voice: assistant answers (Tests/Benchmarks/units/heldout-answers.jsonl, made by
# make-heldout.py) and, for reference, the first 100 web_questions test questions.
"$ECHOX" corpus synth --text Tests/Benchmarks/units/heldout-answers.jsonl --voices target --out "$WORK/heldout-answers" > /dev/null
"$ECHOX" corpus synth --text "$DATA/web_questions_test.jsonl" --limit 100 --voices target --out "$WORK/heldout-questions" > /dev/null
python3 Tests/Benchmarks/units/check-overlap.py --heldout Tests/Benchmarks/units/heldout-answers.jsonl \
    --train "$WORK/corpus-multi/manifest.jsonl" --train "$WORK/corpus-target/manifest.jsonl"
python3 Tests/Benchmarks/units/check-overlap.py --heldout "$WORK/heldout-questions/manifest.jsonl" \
    --train "$WORK/corpus-multi/manifest.jsonl" --train "$WORK/corpus-target/manifest.jsonl"

for set in answers questions; do
    "$ECHOX" units evaluate --model "$WORK/model" --manifest "$WORK/heldout-$set/manifest.jsonl" \
        --out "$WORK/eval-$set" ${EVAL_FLAGS:-} | tee "$WORK/eval-$set.log"
done
grep -E "Elapsed|Percent of CPU" "$WORK"/*.time
