//! Phase 5, findings -> output: miette's report for people, JSON for machines.

pub mod human;
pub mod ics;
pub mod json;
pub mod timeline;
