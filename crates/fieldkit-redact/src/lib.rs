//! fieldkit-redact
