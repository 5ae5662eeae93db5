#!/usr/bin/env bash
# Checks tidemark against a real engine: exports three scenarios (tumbling, sliding and
# session windows on the recorded day of orders, with late drops) as PySpark jobs, runs them
# on a local Spark installed from PyPI into a virtual environment (Java 17 must be on the
# machine), and compares what Spark wrote with what tidemark predicted. Exit 0 when all
# agree.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${TIDEMARK_ENGINES_VENV:-target/engines-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import pyspark" 2>/dev/null || "$venv/bin/pip" install --quiet "pyspark==4.3.0"
echo "Spark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)'), $(java -version 2>&1 | head -1)"

tidemark=${TIDEMARK:-target/debug/tidemark}
[ -x "$tidemark" ] || cargo build --quiet
out=target/engine-checks
failed=0
for scenario in scripts/engines/spark_*.ron; do
    name=$(basename "$scenario" .ron)
    dir=$out/$name
    rm -rf "$dir"
    echo "== $name"
    "$tidemark" export "$scenario" --engine spark --out "$dir"
    if ! PYTHON=$venv/bin/python "$dir/run.sh" > "$dir/spark.log" 2>&1; then
        echo "$name: the Spark job failed:"
        tail -20 "$dir/spark.log"
        failed=1
        continue
    fi
    "$tidemark" compare "$dir/simulated.jsonl" "$dir/engine.jsonl" || failed=1
done
exit $failed
