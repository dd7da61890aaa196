//! clawfence: a static isolation linter and preflight checker for hosts that run
//! several OpenClaw gateways.
//!
//! load → model → rules → report; only `main.rs` prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod config;
pub mod discover;
pub mod doctor;
pub mod finding;
pub mod fix;
pub mod host;
pub mod load;
pub mod manifest;
pub mod model;
pub mod paths;
pub mod plan;
pub mod ports;
pub mod preflight;
pub mod probe;
pub mod provenance;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod secrets;
pub mod source;
pub mod suppress;
pub mod wrapper;

pub use host::{HostRequest, build_host};
