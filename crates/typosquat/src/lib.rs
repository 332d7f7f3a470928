//! malgraph-typosquat (placeholder, being written).
