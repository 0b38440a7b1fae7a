//! fieldkit-logs
