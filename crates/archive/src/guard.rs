//! A reader that stops a decompression stream when it inflates too much.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::rc::Rc;

use crate::RATIO_GRACE_BYTES;

/// Why a guard stopped its stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Trip {
    /// Inflated past `max_ratio` times the compressed size.
    Ratio { produced: u64, compressed: u64 },
    /// Inflated past the byte budget.
    Total { produced: u64 },
}

/// Shared view of a guard's state, readable after the guarded reader was moved into a decoder.
#[derive(Debug, Clone, Default)]
pub(crate) struct TripFlag(Rc<Cell<Option<Trip>>>);

impl TripFlag {
    pub(crate) fn get(&self) -> Option<Trip> {
        self.0.get()
    }
}

/// Limits of one decompressed stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamLimits {
    /// Size of the compressed input.
    pub(crate) compressed: u64,
    pub(crate) max_ratio: u64,
    /// Bytes the stream may produce in all.
    pub(crate) max_bytes: u64,
}

impl StreamLimits {
    fn check(&self, produced: u64) -> Option<Trip> {
        if produced > self.max_bytes {
            return Some(Trip::Total { produced });
        }
        if produced > RATIO_GRACE_BYTES
            && produced / self.compressed.max(1) >= self.max_ratio.max(1)
        {
            return Some(Trip::Ratio {
                produced,
                compressed: self.compressed,
            });
        }
        None
    }
}

/// Wraps the decompressed side of a stream; fails with an error once a limit is crossed.
pub(crate) struct Guard<R> {
    inner: R,
    produced: u64,
    limits: StreamLimits,
    flag: TripFlag,
}

impl<R> Guard<R> {
    pub(crate) fn new(inner: R, limits: StreamLimits) -> (Self, TripFlag) {
        let flag = TripFlag::default();
        (
            Guard {
                inner,
                produced: 0,
                limits,
                flag: flag.clone(),
            },
            flag,
        )
    }
}

fn tripped(t: Trip) -> io::Error {
    io::Error::other(match t {
        Trip::Ratio { .. } => "decompression ratio limit exceeded",
        Trip::Total { .. } => "decompressed size limit exceeded",
    })
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(t) = self.flag.get() {
            return Err(tripped(t));
        }
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if let Some(t) = self.limits.check(self.produced) {
            self.flag.0.set(Some(t));
            return Err(tripped(t));
        }
        Ok(n)
    }
}

/// A bounded in-memory writer for decoders that push output (lzma-rs).
pub(crate) struct GuardedSink {
    pub(crate) buf: Vec<u8>,
    limits: StreamLimits,
    pub(crate) trip: Option<Trip>,
}

impl GuardedSink {
    pub(crate) fn new(limits: StreamLimits) -> Self {
        GuardedSink {
            buf: Vec::new(),
            limits,
            trip: None,
        }
    }
}

impl Write for GuardedSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(t) = self.trip {
            return Err(tripped(t));
        }
        let produced = self.buf.len() as u64 + data.len() as u64;
        if let Some(t) = self.limits.check(produced) {
            // Keep what fits so the members before the bomb are still readable.
            let room = self.limits.max_bytes.saturating_sub(self.buf.len() as u64);
            let take = (data.len() as u64).min(room) as usize;
            self.buf.extend_from_slice(&data[..take]);
            self.trip = Some(t);
            return Err(tripped(t));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that keeps the first `cap` bytes and then fails (used to peek into xz streams).
pub(crate) struct PeekSink {
    pub(crate) buf: Vec<u8>,
    pub(crate) cap: usize,
}

impl Write for PeekSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.cap.saturating_sub(self.buf.len());
        if room == 0 {
            return Err(io::Error::other("peek done"));
        }
        let take = data.len().min(room);
        self.buf.extend_from_slice(&data[..take]);
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_trips_only_after_grace() {
        let l = StreamLimits {
            compressed: 1000,
            max_ratio: 10,
            max_bytes: u64::MAX,
        };
        assert_eq!(l.check(RATIO_GRACE_BYTES), None);
        assert!(matches!(
            l.check(RATIO_GRACE_BYTES + 1),
            Some(Trip::Ratio { .. })
        ));
        let big = StreamLimits {
            compressed: 1 << 20,
            ..l
        };
        assert_eq!(big.check(5 << 20), None);
    }

    #[test]
    fn guard_stops_zero_stream() {
        let zeros = io::repeat(0).take(10 << 20);
        let (mut g, flag) = Guard::new(
            zeros,
            StreamLimits {
                compressed: 100,
                max_ratio: 200,
                max_bytes: u64::MAX,
            },
        );
        let err = io::copy(&mut g, &mut io::sink()).unwrap_err();
        assert!(err.to_string().contains("ratio"));
        assert!(matches!(flag.get(), Some(Trip::Ratio { .. })));
    }

    #[test]
    fn guarded_sink_keeps_what_fits_then_fails() {
        let mut sink = GuardedSink::new(StreamLimits {
            compressed: 1 << 30,
            max_ratio: 200,
            max_bytes: 10,
        });
        sink.write_all(b"012345").unwrap();
        assert!(sink.write_all(b"6789abcdef").is_err());
        assert_eq!(sink.buf, b"0123456789");
        assert!(matches!(sink.trip, Some(Trip::Total { .. })));
        assert!(sink.write(b"x").is_err());
    }

    #[test]
    fn peek_sink_stops_at_cap() {
        let mut p = PeekSink {
            buf: Vec::new(),
            cap: 4,
        };
        assert_eq!(p.write(b"abcdef").unwrap(), 4);
        assert!(p.write(b"g").is_err());
        assert_eq!(p.buf, b"abcd");
    }
}
