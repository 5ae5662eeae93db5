use tidemark::scenario::Scenario;
use tidemark::workload::Generator;
fn main() {
    let text = tidemark::scenario::DEFAULT_SCENARIO
        .1
        .replace("mean_per_minute: 32.4", "mean_per_minute: 7000.0");
    let s = Scenario::from_ron(&text, "x").unwrap();
    let t = std::time::Instant::now();
    let mut n = 0u64;
    let mut sum = 0.0;
    for e in Generator::new(&s.workload, 1) {
        n += 1;
        sum += e.value;
    }
    let el = t.elapsed().as_secs_f64();
    println!(
        "{n} events in {el:.2}s = {:.1} M/s ({sum})",
        n as f64 / el / 1e6
    );
}
