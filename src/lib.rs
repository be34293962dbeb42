//! auditgraph's engine: loads inventories into an asset graph, analyses it, checks
//! controls against it and reports findings, snapshots and drift.

pub mod analysis;
pub mod atomic_file;
pub mod boundary;
pub mod cli;
pub mod commands;
pub mod controls;
pub mod data_file;
pub mod describe;
pub mod diff;
pub mod digest;
pub mod evidence;
pub mod exceptions;
pub mod findings;
pub mod frameworks;
pub mod graph;
pub mod history;
pub mod iam;
pub mod id_index;
pub mod render;
pub mod report;
pub mod scan;
pub mod selector;
pub mod snapshot;
pub mod source;
pub mod summary;
pub mod synth;
pub mod terminal;
pub mod text_sort;

pub use auditgraph_model as model;
