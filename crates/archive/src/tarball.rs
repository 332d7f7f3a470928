//! Tar (plain, gzip, bzip2, xz) and single compressed files.

use std::io::{self, Read};

use malgraph_core::AnomalyKind;

use crate::guard::{Guard, GuardedSink, StreamLimits, Trip, TripFlag};
use crate::{ArchiveError, Flow, Format, MemberRead, Sink, checked_name, read_limited};

fn stream_limits(bytes: &[u8], sink: &Sink<'_, '_>) -> StreamLimits {
    StreamLimits {
        compressed: bytes.len() as u64,
        max_ratio: sink.ctx.limits().max_ratio,
        // Headers, padding and skipped oversized members inflate too: allow one member's worth
        // beyond the total budget before calling the stream a bomb.
        max_bytes: sink
            .ctx
            .limits()
            .max_total_bytes
            .saturating_add(sink.ctx.limits().max_member_bytes),
    }
}

/// Read a tar stream, decompressing as `format` says.
pub(crate) fn read_tar(
    bytes: &[u8],
    format: Format,
    sink: &mut Sink<'_, '_>,
) -> Result<(), ArchiveError> {
    let limits = stream_limits(bytes, sink);
    match format {
        Format::TarGz => {
            let (g, flag) = Guard::new(flate2::read::MultiGzDecoder::new(bytes), limits);
            read_tar_stream(g, &flag, sink, None)
        }
        Format::TarBz2 => {
            let (g, flag) = Guard::new(bzip2::read::MultiBzDecoder::new(bytes), limits);
            read_tar_stream(g, &flag, sink, None)
        }
        Format::TarXz => {
            // lzma-rs pushes its output: decode into a bounded buffer, then read the tar from it.
            let mut out = GuardedSink::new(limits);
            let res = lzma_rs::xz_decompress(&mut &bytes[..], &mut out);
            let early = match (out.trip, res) {
                (Some(t), _) => Some(Early::Trip(t)),
                (None, Err(e)) => Some(Early::Error(xz_error(e))),
                (None, Ok(())) => None,
            };
            read_tar_stream(&out.buf[..], &TripFlag::default(), sink, early)
        }
        _ => {
            let (g, flag) = Guard::new(bytes, limits);
            read_tar_stream(g, &flag, sink, None)
        }
    }
}

fn xz_error(e: lzma_rs::error::Error) -> io::Error {
    match e {
        lzma_rs::error::Error::IoError(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidData, format!("xz: {other}")),
    }
}

/// A decoder problem known before the tar reader runs (xz decodes up front).
enum Early {
    Trip(Trip),
    Error(io::Error),
}

fn is_truncation(e: &io::Error) -> bool {
    let msg = e.to_string().to_ascii_lowercase();
    e.kind() == io::ErrorKind::UnexpectedEof
        || msg.contains("eof")
        || msg.contains("entire block")
        || msg.contains("unexpected end")
}

/// Record that a guard stopped the stream.
fn record_trip(sink: &mut Sink<'_, '_>, t: Trip, at: &str) {
    let l = *sink.ctx.limits();
    sink.ctx.stopped = sink.ctx.stopped || matches!(t, Trip::Total { .. });
    match t {
        Trip::Ratio {
            produced,
            compressed,
        } => sink.anomaly(
            AnomalyKind::RatioExceeded,
            at,
            format!(
                "stream inflated past {produced} bytes from {compressed} compressed bytes (ratio limit {}); stopped reading",
                l.max_ratio
            ),
        ),
        Trip::Total { produced } => sink.anomaly(
            AnomalyKind::TotalTooLarge,
            at,
            format!(
                "stream inflated past {produced} bytes (limit {}); stopped reading",
                l.max_total_bytes
            ),
        ),
    }
}

fn read_tar_stream<R: Read>(
    r: R,
    flag: &TripFlag,
    sink: &mut Sink<'_, '_>,
    early: Option<Early>,
) -> Result<(), ArchiveError> {
    let mut ar = tar::Archive::new(r);
    let mut entries = ar
        .entries()
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let mut seen = 0usize;
    let mut failure: Option<io::Error> = None;
    let mut current = String::new();
    let mut trip_recorded = false;
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let mut entry = match entries.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(e)) => {
                if flag.get().is_none() {
                    failure = Some(e);
                }
                break;
            }
        };
        seen += 1;
        let raw = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw).replace('\\', "/");
        current.clone_from(&shown);
        if !sink.ctx.count_member(sink.out, &sink.full(&shown)) {
            break;
        }
        let et = entry.header().entry_type();
        // Old tars mark folders as regular entries whose name ends with `/`.
        if et.is_dir() || (et.is_file() && raw.ends_with(b"/")) {
            continue;
        }
        if et.is_symlink() || et.is_hard_link() {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned())
                .unwrap_or_default();
            let (kind, what) = if et.is_symlink() {
                (AnomalyKind::Symlink, "symlink")
            } else {
                (AnomalyKind::Hardlink, "hard link")
            };
            let scope = crate::link_scope(&shown, &target, et.is_symlink());
            sink.anomaly(
                kind,
                &shown,
                format!("{what} to {target:?} ({scope}); not followed"),
            );
            continue;
        }
        if et.is_character_special() || et.is_block_special() || et.is_fifo() {
            let what = if et.is_fifo() {
                "fifo"
            } else if et.is_block_special() {
                "block device"
            } else {
                "character device"
            };
            sink.anomaly(
                AnomalyKind::DeviceEntry,
                &shown,
                format!("{what} entry; not returned"),
            );
            continue;
        }
        if et.is_pax_global_extensions() || et.as_byte() == b'V' {
            // Global pax headers and volume labels are metadata, not files.
            continue;
        }
        // Regular, contiguous, sparse, and unknown types alike: Python's tarfile (so pip)
        // extracts an entry of unknown type as a regular file, so it is one here too.
        let Some(name) = checked_name(sink, &raw) else {
            continue;
        };
        if !names.insert(name.clone()) {
            sink.anomaly(
                AnomalyKind::DuplicateName,
                &name,
                "path appears more than once (extractors keep the last); every copy is returned",
            );
        }
        let declared = entry.size();
        let read = read_limited(&mut entry, sink.cap(), declared);
        if let Some(e) = read.error {
            let partial = MemberRead {
                error: None,
                over_cap: false,
                ..read
            };
            sink.push(&name, partial.data, false);
            if let Some(t) = flag.get() {
                record_trip(sink, t, &name);
                trip_recorded = true;
            } else {
                failure = Some(e);
            }
            break;
        }
        if !read.over_cap && (read.data.len() as u64) < declared {
            let got = read.data.len();
            sink.push(&name, read.data, false);
            failure = Some(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("member {name:?} ends after {got} of {declared} bytes"),
            ));
            break;
        }
        if sink.member(&name, read) == Flow::Stop {
            break;
        }
    }
    if !trip_recorded && let Some(t) = flag.get() {
        record_trip(sink, t, &current);
        trip_recorded = true;
    }
    if let Some(early) = early
        && failure.is_none()
        && !trip_recorded
    {
        match early {
            Early::Trip(t) => record_trip(sink, t, &current),
            Early::Error(e) => failure = Some(e),
        }
    }
    if let Some(e) = failure {
        let truncated = is_truncation(&e);
        if seen == 0 {
            return Err(if truncated {
                ArchiveError::Truncated(e.to_string())
            } else {
                ArchiveError::Corrupt(e.to_string())
            });
        }
        let what = if truncated {
            "archive ends early"
        } else {
            "archive is corrupt"
        };
        let at = sink.archive_path();
        sink.out.anomaly(
            AnomalyKind::Truncated,
            &at,
            format!("{what} after {seen} entries ({e}); kept what was read"),
        );
    }
    Ok(())
}

/// Read a single compressed file (gzip/bzip2/xz of something that is not a tar).
pub(crate) fn read_single(
    bytes: &[u8],
    format: Format,
    default_name: &str,
    sink: &mut Sink<'_, '_>,
) -> Result<(), ArchiveError> {
    let limits = stream_limits(bytes, sink);
    let cap = sink.cap();
    let (read, trip, header_name) = match format {
        Format::Gz => {
            let mut dec = flate2::read::MultiGzDecoder::new(bytes);
            let (g, flag) = Guard::new(&mut dec, limits);
            let read = read_limited(g, cap, 0);
            let name = dec.header().and_then(|h| h.filename()).map(<[u8]>::to_vec);
            (read, flag.get(), name)
        }
        Format::Bz2 => {
            let (g, flag) = Guard::new(bzip2::read::MultiBzDecoder::new(bytes), limits);
            let read = read_limited(g, cap, 0);
            (read, flag.get(), None)
        }
        _ => {
            let sl = StreamLimits {
                max_bytes: limits.max_bytes.min(cap.saturating_add(1)),
                ..limits
            };
            let mut out = GuardedSink::new(sl);
            let res = lzma_rs::xz_decompress(&mut &bytes[..], &mut out);
            let over_cap = out.buf.len() as u64 > cap;
            let mut data = out.buf;
            data.truncate(cap as usize);
            let trip = out.trip.filter(|t| !matches!(t, Trip::Total { .. }));
            let error = match (out.trip, res) {
                (Some(_), _) | (None, Ok(())) => None,
                (None, Err(e)) => Some(xz_error(e)),
            };
            let read = MemberRead {
                data,
                over_cap: over_cap || matches!(out.trip, Some(Trip::Total { .. })),
                error,
            };
            (read, trip, None)
        }
    };
    let name = header_name
        .and_then(|n| {
            // Only the base name of what the gzip header claims.
            let n = String::from_utf8_lossy(&n).replace('\\', "/");
            n.rsplit('/').next().map(str::to_string)
        })
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| default_name.to_string());
    if !sink.ctx.count_member(sink.out, &sink.full(&name)) {
        return Ok(());
    }
    if let Some(t) = trip {
        let data = read.data;
        sink.push(&name, data, false);
        record_trip(sink, t, &name);
        return Ok(());
    }
    if let Some(e) = read.error {
        if read.data.is_empty() {
            return Err(if is_truncation(&e) {
                ArchiveError::Truncated(e.to_string())
            } else {
                ArchiveError::Corrupt(e.to_string())
            });
        }
        let got = read.data.len();
        sink.push(&name, read.data, false);
        let at = sink.archive_path();
        sink.out.anomaly(
            AnomalyKind::Truncated,
            &at,
            format!("compressed stream breaks after {got} bytes ({e}); kept what was read"),
        );
        return Ok(());
    }
    sink.member(&name, read);
    Ok(())
}
