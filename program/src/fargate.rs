//! Typed resources and functions of the fargate provider, generated at build time from
//! `schema/schema.json` (see `build.rs`), so they cannot drift from the provider.

#![allow(clippy::all, missing_docs)]

include!(concat!(env!("OUT_DIR"), "/fargate.rs"));
