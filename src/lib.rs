//! convoscope: browse Genesys Cloud conversations and their participants' attributes.

pub mod attributes;
pub mod cli;
pub mod config;
pub mod connect;
pub mod export;
pub mod facts;
pub mod fold;
pub mod genesys;
pub mod human;
pub mod lake;
pub mod output;
pub mod paging;
pub mod profiles;
pub mod settings;
pub mod sim;
pub mod timespec;
pub mod tui;
