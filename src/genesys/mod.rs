//! Client of the Genesys Cloud Platform API v2. Knows nothing about screens.

pub mod auth;
pub mod budget;
pub mod client;
pub mod directory;
pub mod error;
pub mod limiter;
pub mod model;
pub mod names;
pub mod notify;
pub mod query;
pub mod records;
pub mod redact;
pub mod region;
pub mod retry;
pub mod scope;
pub mod search;

pub use auth::{Credentials, Secret};
pub use client::{CallRecord, Client, ClientConfig};
pub use error::{Error, Result};
pub use scope::Scope;
