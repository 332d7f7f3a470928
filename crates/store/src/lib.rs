//! malgraph-store (placeholder, being written).
