//! Renderers. Each takes data and returns text; `main.rs` writes it.

pub mod human;
pub mod ports;
