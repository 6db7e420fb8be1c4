//! convoscope: browse Genesys Cloud conversations and their participants' attributes.

pub mod cli;
pub mod connect;
pub mod export;
pub mod genesys;
pub mod paging;
pub mod sim;
pub mod timespec;
pub mod tui;
