//! Criterion benchmarks of the hot paths. `tidemark bench` prints the headline figures
//! (events per second and peak memory) on the standard workloads.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use tidemark::compose::run::run_scenario;
use tidemark::explore::bench::{Counter, end_to_end_scenario, engine_hot_path, events_in_memory};
use tidemark::input::workload::Generator;

const EVENTS: u64 = 1_000_000;

fn engine(c: &mut Criterion) {
    let events = events_in_memory(EVENTS as usize, 7);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(20);
    group.bench_function(
        "hot path: tumbling 1m, 1,000 keys, count+sum, 5% late, 5 s bound",
        |b| {
            b.iter(|| {
                let mut out = Counter::default();
                engine_hot_path(black_box(&events), &mut out);
                out
            })
        },
    );
    group.finish();
}

fn generation(c: &mut Criterion) {
    let scenario = end_to_end_scenario(EVENTS);
    let mut group = c.benchmark_group("workload");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(10);
    group.bench_function("generate in arrival order", |b| {
        b.iter_batched(
            || Generator::new(&scenario.workload, 1),
            |generator| generator.fold(0u64, |n, e| n + e.key.0 as u64),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn end_to_end(c: &mut Criterion) {
    let scenario = end_to_end_scenario(EVENTS);
    let mut group = c.benchmark_group("simulation");
    group.throughput(Throughput::Elements(EVENTS));
    group.sample_size(10);
    group.bench_function(
        "streaming end to end (generator, runner, oracle, metrics)",
        |b| b.iter(|| run_scenario(black_box(&scenario), &mut |_| {})),
    );
    group.finish();
}

criterion_group!(benches, engine, generation, end_to_end);
criterion_main!(benches);
