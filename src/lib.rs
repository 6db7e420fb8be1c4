//! convoscope: browse Genesys Cloud conversations and their participants' attributes.

pub mod export;
pub mod genesys;
pub mod paging;
pub mod timespec;
pub mod tui;
