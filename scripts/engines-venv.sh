#!/usr/bin/env bash
# The virtual environment the real-engine checks run in, made on first use: PySpark and
# Flink's jars from PyPI (Java 17 must be on the machine). Prints its absolute path.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath -m "${TIDEMARK_ENGINES_VENV:-target/engines-venv}")
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
# Flink's jars alone (apache-flink-libraries): the Java job needs no Python API.
"$venv/bin/python" -c "import pyspark" 2>/dev/null || "$venv/bin/pip" install --quiet "pyspark==4.3.0" >&2
"$venv/bin/python" -c "import pyflink" 2>/dev/null || "$venv/bin/pip" install --quiet "apache-flink-libraries==2.3.0" >&2
echo "$venv"
