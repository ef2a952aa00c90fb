# Sourced by the benchmarks: puts awscli on PATH. An awscli already installed is used as it
# is; otherwise it goes into a virtual environment of the project's own (target/bench-venv),
# never into the system Python (Debian's is "externally managed", PEP 668).
if ! command -v aws >/dev/null; then
  if [ ! -x target/bench-venv/bin/aws ]; then
    echo "bench: installing awscli into target/bench-venv" >&2
    python3 -m venv target/bench-venv
    target/bench-venv/bin/python -m pip install --quiet --disable-pip-version-check awscli
  fi
  export PATH="$PWD/target/bench-venv/bin:$PATH"
fi
