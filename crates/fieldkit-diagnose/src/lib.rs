//! fieldkit-diagnose
