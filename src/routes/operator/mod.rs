//! The operator's screens (`Operator`): the companies of the installation.

pub mod companies;
