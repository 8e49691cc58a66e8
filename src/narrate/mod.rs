//! Facts into words, once. The designs report typed facts (`service::Outcome`), the runner
//! records them in the trace; this module alone decides how each fact reads and which mark of
//! the legend it carries. Every output (table, markdown, Mermaid, and those to come) takes its
//! words from here, so the same fact always reads the same way.
//!
//! One file per part: `marks` (the legend, and `Line` with its role), `facts` (ids, plurals,
//! states, design names), `steps` (what a step asks and expects), `outcomes` (what a design
//! did to its storage), `answers`, `summary` (the whole run), `diagram` (the Mermaid
//! figure's words), `page` (the HTML page's own words) `predict` (`eslab live --predict`) and `room` (what others wrote, in a room). Text from users' files is made
//! safe by `crate::sanitize`, below every layer.

mod answers;
pub(crate) mod diagram;
mod errors;
mod facts;
mod marks;
mod outcomes;
pub(crate) mod page;
mod predict;
mod room;
mod steps;
mod summary;

pub(crate) use answers::*;
pub use facts::*;
pub(crate) use marks::*;
pub(crate) use outcomes::*;
pub(crate) use predict::*;
pub(crate) use room::*;
pub(crate) use steps::*;
pub(crate) use summary::*;
