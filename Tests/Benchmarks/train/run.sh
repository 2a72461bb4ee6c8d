#!/usr/bin/env bash
# The training-step benchmark side by side with PyTorch, interleaved in one run (see README.md).
#
#   swift build -c release --product echox
#   Tests/Benchmarks/train/run.sh [ROUNDS]          # ROUNDS defaults to 2
#
# Environment: ECHOX (binary, default .build/release/echox), TORCH_SCRIPT (default
# ../shared/bench/torch_llama_step.py beside the repository), PYTHON (default python3, e.g. a venv's
# bin/python with torch installed), STEPS and WARMUP (timed and untimed steps of each run, 6 and 2).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$ROOT"
ROUNDS=${1:-2}
ECHOX=${ECHOX:-.build/release/echox}
TORCH_SCRIPT=${TORCH_SCRIPT:-../shared/bench/torch_llama_step.py}
PYTHON=${PYTHON:-python3}
STEPS=${STEPS:-6}
WARMUP=${WARMUP:-2}
SHAPE="--vocab 49152 --dim 576 --layers 30 --heads 9 --kv-heads 3 --ffn 1536 --seq 128 --batch 4 --lora 8 --tied --answer 48"
[ -x "$ECHOX" ] || { echo "no $ECHOX: run 'swift build -c release --product echox' first" >&2; exit 1; }
[ -f "$TORCH_SCRIPT" ] || { echo "no $TORCH_SCRIPT: set TORCH_SCRIPT to the reference script" >&2; exit 1; }
"$PYTHON" -c "import torch" 2>/dev/null || { echo "$PYTHON cannot import torch: set PYTHON to a venv's python with torch (see README.md)" >&2; exit 1; }
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT

# One run: prints "<tokens/s> <max RSS in MB> <CPU seconds, user + system>".
measure() {
    local name=$1; shift
    /usr/bin/time -v "$@" > "$LOG/out" 2> "$LOG/time"
    local tps rss cpu
    tps=$(sed -n "s/^$name tokens\/s: \([0-9.]*\).*/\1/p" "$LOG/out")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\)/\1/p' "$LOG/time")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {printf "%.0f", s}' "$LOG/time")
    echo "$tps $((rss / 1024)) $cpu"
}

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
    # The order alternates: a run straight after the other program's (both cores busy for half a
    # minute) is measurably slower on a shared virtual machine, and each side takes that turn.
    if [ $((round % 2)) -eq 1 ]; then
        read -r t tm tc < <(measure torch "$PYTHON" "$TORCH_SCRIPT" $SHAPE --threads 2 --steps "$STEPS" --warmup "$WARMUP")
        read -r e em ec < <(measure echox "$ECHOX" bench train $SHAPE --steps "$STEPS" --warmup "$WARMUP")
    else
        read -r e em ec < <(measure echox "$ECHOX" bench train $SHAPE --steps "$STEPS" --warmup "$WARMUP")
        read -r t tm tc < <(measure torch "$PYTHON" "$TORCH_SCRIPT" $SHAPE --threads 2 --steps "$STEPS" --warmup "$WARMUP")
    fi
    echo "round $round: torch $t tokens/s (peak $tm MB, ${tc} CPU s), echox $e tokens/s (peak $em MB, ${ec} CPU s), ratio $(awk "BEGIN{printf \"%.2f\", $e/$t}")"
    echo "$t $e" >> "$LOG/rounds"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '{t += $1; e += $2} END {printf "mean: torch %.0f tokens/s, echox %.0f tokens/s, ratio %.2f\n", t / NR, e / NR, e / t}' "$LOG/rounds"
