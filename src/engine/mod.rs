//! The one window/watermark engine every runner drives (Kappa's "one codebase" lesson):
//! watermark generation ([`watermark`]) kept apart from the window operator ([`operator`]).

pub mod operator;
pub mod watermark;

pub use operator::{FiringMode, OperatorConfig, Output, ResultKind, WindowOperator, WindowResult};
pub use watermark::{PartitionedWatermarks, WatermarkEmit, WatermarkFormula};
