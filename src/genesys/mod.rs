//! Client of the Genesys Cloud Platform API v2. Knows nothing about screens.

pub mod error;
pub mod model;
pub mod query;
pub mod region;

pub use error::{Error, Result};
