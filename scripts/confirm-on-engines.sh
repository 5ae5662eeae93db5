#!/usr/bin/env bash
# Checks tidemark against the real engines: exports six scenarios (tumbling, sliding and
# session windows on the recorded day of orders, with late drops and late firings) as
# PySpark and Flink jobs, runs them on a local Spark and Flink installed from PyPI into a
# virtual environment (Java 17 must be on the machine), and compares what each engine wrote
# with what tidemark predicted. Exit 0 when all agree.
set -euo pipefail
cd "$(dirname "$0")/.."

# Absolute: each job's run.sh runs from its own folder.
venv=$(scripts/engines-venv.sh)
echo "Spark $("$venv/bin/python" -c 'import pyspark; print(pyspark.__version__)'), Flink $(ls "$("$venv/bin/python" -c 'import pyflink; print(list(pyflink.__path__)[0])')/lib" | sed -n 's/^flink-dist-\(.*\)\.jar$/\1/p'), $(java -version 2>&1 | head -1)"

tidemark=${TIDEMARK:-target/debug/tidemark}
[ -x "$tidemark" ] || cargo build --quiet
out=target/engine-checks
failed=0
for scenario in scripts/engines/*.ron; do
    name=$(basename "$scenario" .ron)
    engine=${name%%_*}
    dir=$out/$name
    rm -rf "$dir"
    echo "== $name"
    "$tidemark" export "$scenario" --engine "$engine" --out "$dir"
    if ! PYTHON=$venv/bin/python "$dir/run.sh" > "$dir/engine.log" 2>&1; then
        echo "$name: the $engine job failed:"
        tail -20 "$dir/engine.log"
        failed=1
        continue
    fi
    "$tidemark" compare "$dir/simulated.jsonl" "$dir/engine.jsonl" || failed=1
done
exit $failed
