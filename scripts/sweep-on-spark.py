#!/usr/bin/env python3
"""Runs a tidemark sweep's points on a Spark cluster: each line of a plan (written by
`tidemark sweep SCENARIO --vary ... --plan plan.jsonl`) becomes a task that pipes it through
the tidemark binary shipped with the job (`tidemark sweep --point -`); the result lines are
collected, in plan order, into one file for `tidemark sweep SCENARIO --vary ... --merge`.

Locally, on two cores:
    python3 scripts/sweep-on-spark.py plan.jsonl results.jsonl --master 'local[2]'
On a cluster (the binary must run on its workers: the same OS and CPU architecture):
    spark-submit --master yarn scripts/sweep-on-spark.py plan.jsonl results.jsonl \\
        --tidemark target/release/tidemark
"""

import argparse
import json
import os
import stat
import subprocess
import sys

from pyspark import SparkFiles
from pyspark.sql import SparkSession


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", help="the plan tidemark sweep --plan wrote (JSON Lines)")
    parser.add_argument("results", help="where to write the points' results (JSON Lines)")
    parser.add_argument(
        "--tidemark",
        default="target/release/tidemark",
        help="the tidemark binary shipped to the workers (default: %(default)s)",
    )
    parser.add_argument(
        "--master",
        help="Spark master, e.g. local[2]; unset, spark-submit's --master decides",
    )
    args = parser.parse_args()

    with open(args.plan, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    if not lines:
        sys.exit(f"error: {args.plan} holds no points")
    if not os.access(args.tidemark, os.X_OK):
        sys.exit(f"error: {args.tidemark} is not an executable tidemark binary (--tidemark)")

    builder = SparkSession.builder.appName("tidemark sweep").config(
        "spark.ui.showConsoleProgress", "false"
    )
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    try:
        results = run_points(spark.sparkContext, lines, os.path.abspath(args.tidemark))
    finally:
        spark.stop()

    # Plan order, whatever order the tasks finished in (the merge accepts any order too).
    results.sort(key=lambda line: json.loads(line)["point"])
    with open(args.results, "w", encoding="utf-8") as f:
        f.writelines(line + "\n" for line in results)
    print(f"{len(results)} of {len(lines)} points run; results in {args.results}")


def run_points(sc, lines, binary):
    sc.addFile(binary)
    name = os.path.basename(binary)

    def run_partition(points):
        points = list(points)
        if not points:
            return []
        local = SparkFiles.get(name)
        mode = os.stat(local).st_mode
        os.chmod(local, mode | stat.S_IXUSR)
        done = subprocess.run(
            [local, "sweep", "--point", "-"],
            input="\n".join(points) + "\n",
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tidemark sweep --point failed: {done.stderr.strip()}")
        return done.stdout.splitlines()

    # One task per point: Spark spreads them over the executors and retries a lost one.
    return sc.parallelize(lines, len(lines)).mapPartitions(run_partition).collect()


if __name__ == "__main__":
    main()
