//! malgraph-analyze (placeholder, being written).
