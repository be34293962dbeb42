//! IAM policy evaluation, cloud-SDK free: a request (caller, action, resource,
//! context) decided against the policies (and S3 ACLs, `acl`) that apply to it,
//! the way AWS documents it (`decide`), with conditions in three-valued logic (`truth`, `condition`,
//! `context`) and IAM's matching of wildcards and policy variables (`pattern`).
//! Its tests compare it with a second, plainer evaluator on random policy sets.
//! The access analyses (`analysis::principals` and what builds on it) ask it every
//! question of who may do what.

pub mod acl;
pub mod condition;
pub mod context;
pub mod decide;
pub mod pattern;
pub mod truth;

pub use acl::{AclEntry, Grantee};
pub use context::Context;
pub use decide::{decide, Boundary, Caller, Decision, Grant, Named, Policies, Request, ResourcePolicy, Scps};
pub use truth::Truth;

#[cfg(test)]
mod tests;
