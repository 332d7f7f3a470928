//! malgraph-graph (placeholder, being written).
