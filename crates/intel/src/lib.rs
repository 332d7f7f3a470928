//! malgraph-intel (placeholder, being written).
