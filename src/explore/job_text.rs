//! The job a lab's settings stand for, as a user would write it on the real engine: Flink SQL
//! (a watermark on the table, a window table-valued function) and the PySpark Structured
//! Streaming lines (`withWatermark`, `window`, `trigger`, `outputMode`).

use crate::engine::aggregate::Aggregation;
use crate::engine::query::QuerySpec;
use crate::engine::window::WindowSpec;
use crate::input::time::Dur;
use crate::runner::micro_batch::{MicroBatchSpec, OutputMode, Trigger};
use crate::runner::streaming::StreamingSpec;

/// Flink SQL for `query` under `job`'s watermark (Flink's window TVFs, `WATERMARK FOR`).
pub fn flink_sql(query: &QuerySpec, job: &StreamingSpec) -> String {
    let size_and = |size: Dur, offset: Dur| {
        let mut args = sql_interval(size);
        if offset != Dur::ZERO {
            args = format!("{args}, {}", sql_interval(offset));
        }
        args
    };
    let window = match query.window {
        WindowSpec::Tumbling { size, offset } => {
            format!(
                "TUMBLE(TABLE orders, DESCRIPTOR(ts), {})",
                size_and(size, offset)
            )
        }
        WindowSpec::Sliding {
            size,
            slide,
            offset,
        } => format!(
            "HOP(TABLE orders, DESCRIPTOR(ts), {}, {})",
            sql_interval(slide),
            size_and(size, offset)
        ),
        WindowSpec::Session { gap } => format!(
            "SESSION(TABLE orders PARTITION BY `key`, DESCRIPTOR(ts), {})",
            sql_interval(gap)
        ),
        WindowSpec::Global => String::new(),
    };
    let aggregates: Vec<String> = (query.aggregations.iter())
        .map(|&a| format!("{} AS `{}`", sql_aggregate(a), a.name()))
        .collect();
    let mut text = String::new();
    if let Some(idle) = job.idle_timeout {
        text += &format!(
            "-- withIdleness: a partition silent this long stops holding the watermark\nSET 'table.exec.source.idle-timeout' = '{}';\n\n",
            spark_duration(idle)
        );
    }
    text += &format!(
        "CREATE TABLE orders (\n  `key` STRING,\n  `value` DOUBLE,\n  ts TIMESTAMP(3),\n  WATERMARK FOR ts AS ts - {}\n) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json');\n\n",
        sql_interval(job.watermark_delay)
    );
    if query.window == WindowSpec::Global {
        text += &format!(
            "SELECT `key`, {}\nFROM orders\nGROUP BY `key`;\n",
            aggregates.join(", ")
        );
    } else {
        text += &format!(
            "SELECT window_start, window_end, `key`, {}\nFROM TABLE({window})\nGROUP BY window_start, window_end, `key`;\n",
            aggregates.join(", ")
        );
    }
    if job.allowed_lateness > Dur::ZERO {
        text += &format!(
            "\n-- Allowed lateness {} has no window-TVF form; in the DataStream API:\n--   .window(...).allowedLateness(Duration.ofMillis({}))\n",
            job.allowed_lateness,
            job.allowed_lateness.as_ms()
        );
    }
    text
}

/// PySpark Structured Streaming lines for `query` under the watermark `delay`, with the
/// trigger and output mode of `micro_batch` (a 1-minute trigger in update mode without one).
pub fn pyspark(query: &QuerySpec, delay: Dur, micro_batch: Option<&MicroBatchSpec>) -> String {
    let (group, aggregates) = spark_grouping(query, "ts");
    let (trigger, mode) =
        micro_batch.map_or(("processingTime=\"1 minute\"".to_owned(), "update"), |m| {
            let trigger = match m.trigger {
                Trigger::ProcessingTime(every) => {
                    format!("processingTime=\"{}\"", spark_duration(every))
                }
                // Started by a scheduler every period; each run reads what is available.
                Trigger::AvailableNow { .. } => "availableNow=True".to_owned(),
            };
            let mode = match m.output_mode {
                OutputMode::Append => "append",
                OutputMode::Update => "update",
                OutputMode::Complete => "complete",
            };
            (trigger, mode)
        });
    format!(
        "from pyspark.sql import functions as F\n\norders = (spark.readStream.format(\"kafka\")\n    .option(\"subscribe\", \"orders\")\n    .load()\n    # ... parse key, value and the event time ts from the message\n    .withWatermark(\"ts\", \"{}\"))\n\ntotals = (orders\n    .groupBy({group})\n    .agg({}))\n\n(totals.writeStream\n    .outputMode(\"{mode}\")\n    .trigger({trigger})\n    .format(\"console\")\n    .start())\n",
        spark_duration(delay),
        aggregates
    )
}

/// The `groupBy` columns (the window over `time`, then the key) and the `agg` expressions
/// (each named as tidemark's reports name it) of `query` in PySpark.
pub fn spark_grouping(query: &QuerySpec, time: &str) -> (String, String) {
    let window = match query.window {
        WindowSpec::Tumbling { size, offset } if offset == Dur::ZERO => {
            format!("F.window(\"{time}\", \"{}\")", spark_duration(size))
        }
        WindowSpec::Tumbling { size, offset } => format!(
            "F.window(\"{time}\", \"{0}\", \"{0}\", \"{1}\")",
            spark_duration(size),
            spark_duration(offset)
        ),
        WindowSpec::Sliding {
            size,
            slide,
            offset,
        } => {
            let start = if offset == Dur::ZERO {
                String::new()
            } else {
                format!(", \"{}\"", spark_duration(offset))
            };
            format!(
                "F.window(\"{time}\", \"{}\", \"{}\"{start})",
                spark_duration(size),
                spark_duration(slide)
            )
        }
        WindowSpec::Session { gap } => {
            format!("F.session_window(\"{time}\", \"{}\")", spark_duration(gap))
        }
        WindowSpec::Global => String::new(),
    };
    let group = if window.is_empty() {
        "\"key\"".to_owned()
    } else {
        format!("{window}, \"key\"")
    };
    let aggregates: Vec<String> = (query.aggregations.iter())
        .map(|&a| format!("{}.alias(\"{}\")", spark_aggregate(a), a.name()))
        .collect();
    (group, aggregates.join(", "))
}

/// A SQL interval in the largest whole unit: `INTERVAL '5' MINUTE`.
fn sql_interval(d: Dur) -> String {
    let ms = d.as_ms();
    let units = [
        (86_400_000, "DAY"),
        (3_600_000, "HOUR"),
        (60_000, "MINUTE"),
        (1_000, "SECOND"),
    ];
    for (size, unit) in units {
        if ms % size == 0 {
            return format!("INTERVAL '{}' {unit}", ms / size);
        }
    }
    format!("INTERVAL '{}.{:03}' SECOND", ms / 1_000, ms % 1_000)
}

/// A Spark duration string in the largest whole unit: `5 minutes`.
pub fn spark_duration(d: Dur) -> String {
    let ms = d.as_ms();
    let units = [
        (86_400_000, "day"),
        (3_600_000, "hour"),
        (60_000, "minute"),
        (1_000, "second"),
        (1, "millisecond"),
    ];
    for (size, unit) in units {
        if ms % size == 0 && (ms != 0 || size == 1_000) {
            let n = ms / size;
            return format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
        }
    }
    format!("{ms} milliseconds")
}

fn sql_aggregate(a: Aggregation) -> &'static str {
    match a {
        Aggregation::Count => "COUNT(*)",
        Aggregation::Sum => "SUM(`value`)",
        Aggregation::Min => "MIN(`value`)",
        Aggregation::Max => "MAX(`value`)",
        Aggregation::Avg => "AVG(`value`)",
    }
}

fn spark_aggregate(a: Aggregation) -> &'static str {
    match a {
        Aggregation::Count => "F.count(\"*\")",
        Aggregation::Sum => "F.sum(\"value\")",
        Aggregation::Min => "F.min(\"value\")",
        Aggregation::Max => "F.max(\"value\")",
        Aggregation::Avg => "F.avg(\"value\")",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hourly() -> QuerySpec {
        QuerySpec {
            window: WindowSpec::Tumbling {
                size: Dur::from_hours(1),
                offset: Dur::ZERO,
            },
            aggregations: vec![Aggregation::Count, Aggregation::Sum],
        }
    }

    #[test]
    fn the_flink_job_has_the_watermark_and_the_window_tvf() {
        let mut job = StreamingSpec::with_delay(Dur::from_mins(5));
        let sql = flink_sql(&hourly(), &job);
        assert!(
            sql.contains("WATERMARK FOR ts AS ts - INTERVAL '5' MINUTE"),
            "{sql}"
        );
        assert!(
            sql.contains("FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' HOUR))")
        );
        assert!(
            sql.contains("COUNT(*) AS `count`, SUM(`value`) AS `sum`"),
            "{sql}"
        );
        assert!(!sql.contains("allowedLateness"));
        job.allowed_lateness = Dur::from_mins(10);
        assert!(flink_sql(&hourly(), &job).contains(".allowedLateness(Duration.ofMillis(600000))"));
        let sliding = QuerySpec {
            window: WindowSpec::Sliding {
                size: Dur::from_mins(15),
                slide: Dur::from_mins(2),
                offset: Dur::ZERO,
            },
            ..hourly()
        };
        // HOP takes the slide first, then the size.
        assert!(flink_sql(&sliding, &job).contains(
            "HOP(TABLE orders, DESCRIPTOR(ts), INTERVAL '2' MINUTE, INTERVAL '15' MINUTE)"
        ));
        assert_eq!(sql_interval(Dur(1_500)), "INTERVAL '1.500' SECOND");
    }

    #[test]
    fn the_spark_job_has_the_watermark_window_trigger_and_mode() {
        let text = pyspark(&hourly(), Dur::from_mins(5), None);
        assert!(
            text.contains(".withWatermark(\"ts\", \"5 minutes\")"),
            "{text}"
        );
        assert!(
            text.contains(".groupBy(F.window(\"ts\", \"1 hour\"), \"key\")"),
            "{text}"
        );
        assert!(
            text.contains(".outputMode(\"update\")")
                && text.contains("processingTime=\"1 minute\"")
        );
        let mut spec = MicroBatchSpec::replay(Dur::from_secs(30), Dur::ZERO, OutputMode::Append);
        spec.trigger = Trigger::ProcessingTime(Dur::from_secs(30));
        let sessions = QuerySpec {
            window: WindowSpec::Session {
                gap: Dur::from_mins(10),
            },
            ..hourly()
        };
        let text = pyspark(&sessions, Dur::ZERO, Some(&spec));
        assert!(
            text.contains("F.session_window(\"ts\", \"10 minutes\")"),
            "{text}"
        );
        assert!(
            text.contains(".withWatermark(\"ts\", \"0 seconds\")"),
            "{text}"
        );
        assert!(
            text.contains(".outputMode(\"append\")")
                && text.contains("processingTime=\"30 seconds\"")
        );
    }
}
