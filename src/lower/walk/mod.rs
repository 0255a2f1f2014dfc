//! The walk over one function body that records [`FnFacts`].
//!
//! It follows Rust's evaluation order and drop rules closely enough to know,
//! for every effect, which lock guards are alive, which conditions decide
//! whether it runs, and which earlier reads its value comes from:
//!
//! - a `let`-bound guard lives to the end of its block or to `drop(guard)`;
//! - a temporary guard dies at the end of its statement;
//! - the temporaries of an `if` condition die before the block runs;
//! - a `match` scrutinee's temporaries live through every arm;
//! - an `if let` scrutinee's temporaries live through `else` before edition
//!   2024 and are dropped before it from 2024 on;
//! - a branch that leaves the block (`return`, `continue`, `panic!`…) makes
//!   its condition guard the rest of the block.
//!
//! The walk is split by concern: `state` holds the walker and its
//! bookkeeping, `vocab` the names it recognises; `stmt`, `expr`, `method`,
//! `assign` and `control` lower syntax; `place` names shared state; `sql`,
//! `orm`, `redis`, `fs` and `keys` read the external-state families. Each file
//! adds methods to [`Walker`]; they import from `state` and `vocab` only.

mod assign;
mod calls;
mod control;
mod expr;
mod fs;
mod fs_unix;
mod keys;
mod method;
mod orm;
mod orm_chain;
mod orm_state;
mod place;
mod redis;
mod redis_state;
mod sql;
mod state;
mod stmt;
mod vocab;

pub use state::{Binding, FnInput, Origin, Walker};
