#!/usr/bin/env bash
# Installs the built ctabi into a scratch prefix, then configures, builds and
# runs test/consumer against it with find_package(ctabi CONFIG).
# Usage: run.sh <ctabi build dir> <scratch dir>
set -euo pipefail
build=$1 scratch=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rm -rf "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cmake -S "$here" -B "$scratch/build" -G Ninja -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/build" >/dev/null
"$scratch/build/consumer"
