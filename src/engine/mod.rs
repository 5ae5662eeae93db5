//! The one window/watermark engine every runner drives (Kappa's "one codebase" lesson):
//! watermark generation ([`watermark`]) kept apart from the window operator ([`operator`]),
//! and the keyed window store ([`store`]) the oracle and the scheduled and micro-batch
//! runners keep their state in.

pub mod operator;
pub mod store;
pub mod watermark;

pub use operator::{FiringMode, OperatorConfig, Output, ResultKind, WindowOperator, WindowResult};
pub use store::WindowStore;
pub use watermark::{PartitionedWatermarks, WatermarkEmit, WatermarkFormula};
