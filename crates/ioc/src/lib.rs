//! malgraph-ioc (placeholder, being written).
