#!/usr/bin/env bash
# The same sweep twice: on this machine, and planned, run on Spark (local[2]) through
# scripts/sweep-on-spark.py and merged. Every file the two write must be the same, byte for
# byte. Exit 0 when they are.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(scripts/engines-venv.sh)
tidemark=${TIDEMARK:-target/release/tidemark}
out=target/sweep-on-spark
rm -rf "$out" && mkdir -p "$out"
sweep=(sweep scenarios/freshmart_compare_models.ron
    --vary watermark_delay=0s..20m/10m --vary trigger=1m,5m --replications 3)

"$tidemark" "${sweep[@]}" --out "$out/local" > /dev/null
"$tidemark" "${sweep[@]}" --plan "$out/plan.jsonl"
PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/python" scripts/sweep-on-spark.py "$out/plan.jsonl" "$out/results.jsonl" \
    --tidemark "$tidemark" --master 'local[2]'
"$tidemark" "${sweep[@]}" --merge "$out/results.jsonl" --out "$out/spark" > /dev/null
failed=0
for file in "$out"/local/*; do
    name=$(basename "$file")
    if cmp -s "$file" "$out/spark/$name"; then
        echo "same: $name"
    else
        echo "differs: $name (local $file, on Spark $out/spark/$name)"
        failed=1
    fi
done
[ "$(ls "$out/local" | wc -l)" = "$(ls "$out/spark" | wc -l)" ] || { echo "the two wrote different files"; failed=1; }
exit $failed
