//! Format detection by magic bytes.

use std::io::Read;

use crate::Format;
use crate::guard::PeekSink;

const GZIP: &[u8] = &[0x1f, 0x8b];
const BZIP2: &[u8] = b"BZh";
const XZ: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];

/// Detect an archive format from its first bytes (the file name is never consulted).
///
/// Compressed streams are peeked into (first 512 decompressed bytes) to tell a compressed tar
/// (`TarGz`) from a single compressed file (`Gz`). When the peek cannot decompress a whole tar
/// block (a stream truncated at its start), the tar variant is assumed, as that is what
/// packages ship. Returns `None` for anything else.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if is_zip(bytes) {
        return Some(Format::Zip);
    }
    if bytes.starts_with(GZIP) {
        let (head, complete) = peek(flate2::read::MultiGzDecoder::new(bytes));
        return Some(pick(&head, complete, Format::TarGz, Format::Gz));
    }
    if bytes.starts_with(BZIP2) && bytes.len() >= 4 && (b'1'..=b'9').contains(&bytes[3]) {
        let (head, complete) = peek(bzip2::read::MultiBzDecoder::new(bytes));
        return Some(pick(&head, complete, Format::TarBz2, Format::Bz2));
    }
    if bytes.starts_with(XZ) {
        let mut sink = PeekSink {
            buf: Vec::new(),
            cap: 512,
        };
        let complete = lzma_rs::xz_decompress(&mut &bytes[..], &mut sink).is_ok();
        return Some(pick(&sink.buf, complete, Format::TarXz, Format::Xz));
    }
    if looks_like_tar(bytes) {
        return Some(Format::Tar);
    }
    None
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(b"PK\x07\x08")
}

/// First 512 decompressed bytes, and whether the stream ended cleanly before them.
fn peek<R: Read>(r: R) -> (Vec<u8>, bool) {
    let mut head = Vec::with_capacity(512);
    let mut r = r.take(512);
    // Read in a loop so a late error still leaves the bytes that came before it.
    let mut buf = [0u8; 512];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (head, true),
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(_) => return (head, false),
        }
    }
}

/// Tar or single file, from the first decompressed bytes.
fn pick(head: &[u8], complete: bool, tar: Format, single: Format) -> Format {
    if head.len() >= 512 {
        return if looks_like_tar(head) { tar } else { single };
    }
    if complete {
        // A whole stream shorter than one tar block is not a tar.
        return single;
    }
    // The stream broke early: guess from the name field what packages usually are.
    if head.len() < 100 || plausible_tar_name(&head[..100]) {
        tar
    } else {
        single
    }
}

fn plausible_tar_name(name: &[u8]) -> bool {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    end > 0
        && name[end..].iter().all(|&b| b == 0)
        && name[..end]
            .iter()
            .all(|&b| b.is_ascii_graphic() || b == b' ' || b >= 0x80)
}

/// Whether a 512-byte block is a tar header: `ustar` magic, or a valid v7 checksum.
pub(crate) fn looks_like_tar(bytes: &[u8]) -> bool {
    if bytes.len() < 512 {
        return false;
    }
    let block = &bytes[..512];
    if &block[257..262] == b"ustar" {
        return true;
    }
    // Old v7 tar: check the header checksum (field at 148..156, summed as spaces).
    let Some(stored) = parse_octal(&block[148..156]) else {
        return false;
    };
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    stored == sum && block[0] != 0
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let s = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| (b'0'..=b'7').contains(&b))
        .collect::<Vec<u8>>();
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for d in s {
        v = v.checked_mul(8)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(v)
}

/// Human description of bytes that are not an archive we read, for [`crate::ArchiveError::Unknown`].
pub(crate) fn describe_magic(bytes: &[u8]) -> String {
    let known: &[(&[u8], &str)] = &[
        (b"7z\xbc\xaf\x27\x1c", "7-Zip archive (unsupported)"),
        (b"Rar!\x1a\x07", "RAR archive (unsupported)"),
        (b"\x28\xb5\x2f\xfd", "zstd stream (unsupported)"),
        (b"\x04\x22\x4d\x18", "lz4 stream (unsupported)"),
        (b"\x5d\x00\x00", "raw lzma stream (unsupported)"),
        (b"\x7fELF", "ELF executable"),
        (b"MZ", "Windows PE executable"),
        (b"%PDF", "PDF document"),
        (b"<!DOCTYPE", "HTML page"),
        (b"<html", "HTML page"),
        (b"<?xml", "XML document"),
        (b"PK", "damaged zip (PK without a valid header)"),
        (GZIP, "gzip"),
    ];
    let first: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let what = known
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, w)| *w)
        .unwrap_or(if bytes.iter().take(64).all(|b| b.is_ascii()) {
            "text or unknown data"
        } else {
            "unknown binary data"
        });
    format!("{what}; first bytes {}", first.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_descriptions() {
        assert!(describe_magic(b"Rar!\x1a\x07\x00").starts_with("RAR"));
        assert!(describe_magic(b"hello world").contains("68 65 6c 6c 6f 20 77 6f"));
    }

    #[test]
    fn octal() {
        assert_eq!(parse_octal(b"0000644\0"), Some(0o644));
        assert_eq!(parse_octal(b"   17 \0"), Some(0o17));
        assert_eq!(parse_octal(b"\0\0\0"), None);
    }

    #[test]
    fn garbage_is_not_an_archive() {
        assert_eq!(detect(b"just some text"), None);
        assert_eq!(detect(&[0u8; 1024]), None);
        assert_eq!(detect(b""), None);
    }
}
