//! Results of analysing one Python file, kept by content so that the same file in
//! another package (the next version of a package, a vendored copy, a campaign's
//! template) is not parsed again. The analysis of a file depends only on its bytes
//! and on how it is reached (role and scopes), never on its neighbours, so a hit is
//! exactly what a fresh analysis would give, with the file's path put back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use malgraph_core::Stage;
use sha2::{Digest, Sha256};

use crate::model::{Facts, Scope, Sink};
use crate::python::{PyCtx, Role};

/// Files smaller than this are analysed every time (hashing would cost as much).
const MIN_BYTES: usize = 64;
/// Entries kept at most; later files are analysed without being remembered.
const MAX_ENTRIES: usize = 50_000;
/// Cached results larger than this (findings and strings, bytes) are not kept.
const MAX_RESULT_BYTES: usize = 1 << 20;

/// What identifies one analysis: the bytes and how they are reached. Everything of
/// `PyCtx` that the analysis reads, other than the path it reports, is in here.
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct FileKey {
    digest: [u8; 32],
    role: Role,
    in_pip: bool,
    called: Vec<String>,
    top: (Stage, u64),
    func: (Stage, u64),
}

impl FileKey {
    /// The key of `data` analysed under `ctx` (`None` for files too small to cache).
    pub fn new(data: &[u8], ctx: &PyCtx<'_>) -> Option<FileKey> {
        if data.len() < MIN_BYTES || ctx.layer != 0 || ctx.forced.is_some() {
            return None;
        }
        let scope = |s: Scope| (s.stage, s.factor.to_bits());
        Some(FileKey {
            digest: Sha256::digest(data).into(),
            role: ctx.role,
            in_pip: ctx.in_pip,
            called: ctx.called.to_vec(),
            top: scope(ctx.top),
            func: scope(ctx.func),
        })
    }
}

/// One file's results, as analysed under `path`.
pub(crate) struct FileResult {
    pub path: String,
    pub sink: Sink,
    pub facts: Facts,
}

/// A bounded, thread-safe map from [`FileKey`] to results.
#[derive(Default)]
pub(crate) struct FileCache {
    map: Mutex<HashMap<FileKey, Arc<FileResult>>>,
}

impl FileCache {
    pub fn get(&self, key: &FileKey) -> Option<Arc<FileResult>> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key).cloned()
    }

    pub fn insert(&self, key: FileKey, result: FileResult) {
        let size: usize = result.sink.strings.len()
            + result
                .sink
                .findings
                .iter()
                .map(|f| f.snippet.len() + f.message.len() + 64)
                .sum::<usize>();
        if size > MAX_RESULT_BYTES {
            return;
        }
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() < MAX_ENTRIES {
            map.insert(key, Arc::new(result));
        }
    }
}
