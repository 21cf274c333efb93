#!/usr/bin/env bash
# CI piece: the FAISS cross-check of PQ encoding (tests/pq_faiss.rs: the crate's codes for a
# FAISS-trained codebook equal FAISS's codes, on every tier). Installs faiss-cpu and numpy into a
# venv under target/ (reused when it already imports them) and runs the test with the FAISS side
# required, so a missing or broken install fails this step loudly instead of skipping the test.
#
#   RVF_FAISS_VENV   the venv folder (default target/pq-faiss-venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${RVF_FAISS_VENV:-target/pq-faiss-venv}
t0=$(date +%s)
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || {
        echo "pq-faiss: FAILED to create the venv $venv (is python3-venv installed?)" >&2
        exit 1
    }
fi
if ! "$venv/bin/python" -c "import faiss, numpy" 2>/dev/null; then
    echo "pq-faiss: installing faiss-cpu and numpy into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check faiss-cpu numpy || {
        echo "pq-faiss: FAILED to install faiss-cpu and numpy with pip" >&2
        exit 1
    }
fi
"$venv/bin/python" -c "import faiss, numpy; print('pq-faiss: faiss', faiss.__version__, 'numpy', numpy.__version__)"
echo "pq-faiss: setup $(($(date +%s) - t0)) s"
RVF_PYTHON="$PWD/$venv/bin/python" RVF_REQUIRE_FAISS=1 \
    cargo test --release --test pq_faiss -- --nocapture
echo "pq-faiss: passed in $(($(date +%s) - t0)) s"
