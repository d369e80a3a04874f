//! Phase 5, findings -> output: miette's report for people, JSON for machines.

pub mod compare;
pub mod diagram;
pub mod diff;
pub mod dot;
pub mod github;
pub mod html;
pub mod human;
pub mod ics;
pub mod json;
pub mod mermaid;
pub mod sarif;
pub mod scenario;
pub mod svg;
pub mod timeline;
