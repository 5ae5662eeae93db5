//! The one window/watermark engine every runner drives (Kappa's "one codebase" lesson): the
//! query ([`query`]: window assigners and aggregations), watermark generation
//! ([`watermark`]) kept apart from the window operator ([`operator`]), the keyed window store
//! ([`store`]) the oracle and the scheduled and micro-batch runners keep their state in, and
//! the output contract every runner emits through ([`output`]).

pub mod aggregate;
pub mod id_set;
pub mod operator;
pub mod output;
pub mod query;
pub mod store;
pub mod watermark;
pub mod window;

pub use operator::{FiringMode, OperatorConfig, Output, ResultKind, WindowOperator, WindowResult};
pub use store::WindowStore;
pub use watermark::{PartitionedWatermarks, WatermarkEmit, WatermarkFormula};
