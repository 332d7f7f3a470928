//! malgraph-archive (placeholder, being written).
