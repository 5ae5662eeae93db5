//! Composition: the scenario file, the architectures built from runners (Lambda, Kappa,
//! hybrid), the models a scenario names driven side by side over one arrival stream, their
//! cost, and the run that turns a scenario into a report.

pub mod architecture;
pub mod cost;
pub mod measured;
pub mod models;
pub mod requirement;
pub mod ron_locate;
pub mod run;
pub mod scenario;
