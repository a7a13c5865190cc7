#!/bin/sh
# The training benchmark, unchanged, at 1, 2, 4, 8 and 16 wasm threads (PyTorch at the same counts), for a
# machine with more cores than the usual 2. Extra arguments go to the benchmark (e.g. --shapes 28x28x1).
#   tests/bench/many-cores.sh [--quick]
cd "$(dirname "$0")/../.." && exec node --import tsx tests/bench/training.ts --threads 1,2,4,8,16 "$@"
