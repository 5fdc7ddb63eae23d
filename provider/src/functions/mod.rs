//! Every function (invoke) the provider serves, one file each, listed in one registry.

pub mod ec2;

use crate::function::DynFunction;

/// The registry: the server dispatches by token, the schema lists these.
pub fn all() -> Vec<Box<dyn DynFunction>> {
    vec![Box::new(ec2::get_network::GetNetwork)]
}
