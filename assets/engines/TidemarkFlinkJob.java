// A Flink DataStream job written by `tidemark export --engine flink`: the trace in arrival
// order through Flink's own window operator, with BoundedOutOfOrdernessWatermarks' formula
// (max - delay - 1 ms) emitted after every record, allowed lateness and the late side
// output; every firing is written with the id of the record after which it fired, every
// late record with its id.
//
// Usage: java -cp "FLINK_LIB/*:." TidemarkFlinkJob TRACE OUT WINDOW SIZE_MS SLIDE_MS OFFSET_MS DELAY_MS LATENESS_MS AGGS
//   WINDOW: tumbling | sliding | session (SIZE_MS is the gap); AGGS: count,sum,min,max,avg
// The trace (CSV: id,key,value,event_time,arrival_time) is read whole, in file order.
import java.io.BufferedReader;
import java.io.FileReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.java.tuple.Tuple5;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.WindowAssigner;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

public class TidemarkFlinkJob {
    /** (id, key, value, event ms, arrival ms). */
    public static class Row extends Tuple5<Long, String, Double, Long, Long> {
        public Row() {}
        public Row(long id, String key, double value, long event, long arrival) {
            super(id, key, value, event, arrival);
        }
    }

    /** The id of the record the window operator saw last (one task, parallelism 1). */
    static volatile long lastId = -1;
    /** True while the window operator processes a record: a firing then is a late firing. */
    static volatile boolean inRecord = false;

    /** BoundedOutOfOrdernessWatermarks, emitted after every record instead of periodically. */
    static class PerEvent implements WatermarkGenerator<Row> {
        final long lag;
        long max;
        PerEvent(long delay) { lag = delay + 1; max = Long.MIN_VALUE + lag; }
        public void onEvent(Row row, long ts, WatermarkOutput out) {
            max = Math.max(max, ts);
            out.emitWatermark(new Watermark(max - lag));
        }
        public void onPeriodicEmit(WatermarkOutput out) {}
    }

    static long millis(String t) {
        t = t.trim();
        return t.chars().allMatch(Character::isDigit) ? Long.parseLong(t) : Instant.parse(t).toEpochMilli();
    }

    public static void main(String[] args) throws Exception {
        String trace = args[0], out = args[1], kind = args[2];
        long size = Long.parseLong(args[3]), slide = Long.parseLong(args[4]), offset = Long.parseLong(args[5]);
        long delay = Long.parseLong(args[6]), lateness = Long.parseLong(args[7]);
        List<String> aggs = Arrays.asList(args[8].split(","));

        List<Row> rows = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new FileReader(trace))) {
            String[] header = in.readLine().split(",");
            List<String> h = Arrays.asList(header);
            int id = h.indexOf("id"), key = h.indexOf("key"), value = h.indexOf("value");
            int ev = h.indexOf("event_time"), ar = h.indexOf("arrival_time");
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                rows.add(new Row(Long.parseLong(f[id]), f[key], Double.parseDouble(f[value]), millis(f[ev]), millis(f[ar])));
            }
        }

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.getConfig().setAutoWatermarkInterval(0);
        KeySelector<Row, String> byKey = r -> r.f1;
        KeyedStream<Row, String> keyed = env.fromData(rows)
            .assignTimestampsAndWatermarks(WatermarkStrategy.<Row>forGenerator(c -> new PerEvent(delay))
                .withTimestampAssigner((r, t) -> r.f3))
            .keyBy(byKey);
        // Chained to the window operator (no shuffle between): it sees each record just before
        // the window operator does, and watermarks in the same order.
        DataStream<Row> marked = keyed.process(new KeyedProcessFunction<String, Row, Row>() {
            public void processElement(Row r, Context c, Collector<Row> o) {
                lastId = r.f0;
                inRecord = true;
                o.collect(r);
                inRecord = false;
            }
        }).returns(Row.class);
        WindowAssigner<Object, TimeWindow> assigner =
            kind.equals("tumbling") ? TumblingEventTimeWindows.of(Duration.ofMillis(size), Duration.ofMillis(offset))
            : kind.equals("sliding") ? SlidingEventTimeWindows.of(Duration.ofMillis(size), Duration.ofMillis(slide), Duration.ofMillis(offset))
            : EventTimeSessionWindows.withGap(Duration.ofMillis(size));
        OutputTag<Row> late = new OutputTag<Row>("late") {};
        SingleOutputStreamOperator<String> fired = DataStreamUtils.reinterpretAsKeyedStream(marked, byKey)
            .window(assigner)
            .allowedLateness(Duration.ofMillis(lateness))
            .sideOutputLateData(late)
            .process(new ProcessWindowFunction<Row, String, String, TimeWindow>() {
                public void process(String k, Context c, Iterable<Row> elements, Collector<String> o) throws Exception {
                    long count = 0; double sum = 0, min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
                    for (Row r : elements) { count++; sum += r.f2; min = Math.min(min, r.f2); max = Math.max(max, r.f2); }
                    boolean atEnd = c.currentWatermark() == Long.MAX_VALUE;
                    StringBuilder s = new StringBuilder("{\"type\":\"result\",\"after_event_id\":")
                        .append(atEnd ? "null" : Long.toString(lastId))
                        .append(",\"window_start_ms\":").append(c.window().getStart())
                        .append(",\"window_end_ms\":").append(c.window().getEnd())
                        .append(",\"key\":\"").append(k.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"")
                        .append(",\"kind\":\"").append(inRecord ? "late" : "on_time").append("\"");
                    for (String a : aggs) {
                        s.append(",\"").append(a).append("\":");
                        switch (a) {
                            case "count": s.append(count); break;
                            case "sum": s.append(sum); break;
                            case "min": s.append(min); break;
                            case "max": s.append(max); break;
                            case "avg": s.append(sum / count); break;
                        }
                    }
                    o.collect(s.append("}").toString());
                }
            });
        DataStream<String> dropped = fired.getSideOutput(late).map(r ->
            "{\"type\":\"dropped\",\"id\":" + r.f0 + ",\"event_ms\":" + r.f3 + ",\"arrival_ms\":" + r.f4 + "}");
        try (PrintWriter w = new PrintWriter(out);
             var lines = fired.union(dropped).executeAndCollect()) {
            while (lines.hasNext()) w.println(lines.next());
        }
    }
}
