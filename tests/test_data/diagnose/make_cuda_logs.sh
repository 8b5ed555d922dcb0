#!/bin/sh
# Regenerate the real CUDA logs (run on a machine with a GPU): sh make_cuda_logs.sh OUTDIR
cd "$(dirname "$0")/cuda_sources" || exit 1
for s in embed_assert target_assert oom device_mismatch; do
    python "$s.py" > "$1/cuda_real_$s.log" 2>&1
    echo "$s exit $?"
done
