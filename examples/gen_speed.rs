fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000_000);
    println!("{}", tidemark::bench::measure_end_to_end(n));
}
