//! Pictures of a run or a sweep, as SVG and PNG files.

pub mod charts;
