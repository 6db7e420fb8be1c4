//! convoscope: browse Genesys Cloud conversations and their participants' attributes.

pub mod genesys;
pub mod sim;
