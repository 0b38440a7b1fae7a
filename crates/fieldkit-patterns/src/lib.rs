//! fieldkit-patterns
