//! Static decoders for layered payloads (never executes anything).

use std::io::Read;

use base64::Engine;

/// Largest output of one decoding step.
pub(crate) const MAX_OUT: usize = 8 << 20;

fn clean(b: &[u8]) -> Vec<u8> {
    b.iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect()
}

/// base64 (standard or URL-safe, padding optional).
pub(crate) fn b64(b: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose as gp;
    let c = clean(b);
    let c: Vec<u8> = c.into_iter().filter(|&x| x != b'=').collect();
    if c.len() > MAX_OUT {
        return None;
    }
    gp::STANDARD_NO_PAD
        .decode(&c)
        .or_else(|_| gp::URL_SAFE_NO_PAD.decode(&c))
        .ok()
}

/// base32 (RFC 4648, upper or lower case).
pub(crate) fn b32(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u64, 0u32);
    for &c in clean(b).iter() {
        let v = match c.to_ascii_uppercase() {
            x @ b'A'..=b'Z' => x - b'A',
            x @ b'2'..=b'7' => x - b'2' + 26,
            b'=' => continue,
            _ => return None,
        };
        buf = (buf << 5) | v as u64;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Hexadecimal (`bytes.fromhex`, `binascii.unhexlify`, base16).
pub(crate) fn unhex(b: &[u8]) -> Option<Vec<u8>> {
    hex::decode(clean(b)).ok()
}

fn read_limited(mut r: impl Read) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    r.by_ref()
        .take(MAX_OUT as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() <= MAX_OUT).then_some(out)
}

/// zlib, falling back to raw deflate and gzip (`zlib.decompress(x, -15)`, `gzip.decompress`).
pub(crate) fn inflate(b: &[u8]) -> Option<Vec<u8>> {
    read_limited(flate2::read::ZlibDecoder::new(b))
        .filter(|v| !v.is_empty())
        .or_else(|| read_limited(flate2::read::GzDecoder::new(b)).filter(|v| !v.is_empty()))
        .or_else(|| read_limited(flate2::read::DeflateDecoder::new(b)).filter(|v| !v.is_empty()))
}

/// bzip2.
pub(crate) fn bunzip(b: &[u8]) -> Option<Vec<u8>> {
    read_limited(bzip2::read::BzDecoder::new(b))
}

/// xz / lzma.
pub(crate) fn unxz(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut input = b;
    if lzma_rs::xz_decompress(&mut input, &mut out).is_ok() {
        return (out.len() <= MAX_OUT).then_some(out);
    }
    out.clear();
    let mut input = b;
    lzma_rs::lzma_decompress(&mut input, &mut out).ok()?;
    (out.len() <= MAX_OUT).then_some(out)
}

/// ROT13 of ASCII letters.
pub(crate) fn rot13(b: &[u8]) -> Vec<u8> {
    b.iter()
        .map(|&c| match c {
            b'a'..=b'z' => (c - b'a' + 13) % 26 + b'a',
            b'A'..=b'Z' => (c - b'A' + 13) % 26 + b'A',
            _ => c,
        })
        .collect()
}

/// True when `b` looks like Python source worth parsing (mostly printable text).
pub(crate) fn looks_like_text(b: &[u8]) -> bool {
    if b.is_empty() {
        return false;
    }
    let sample = &b[..b.len().min(4096)];
    let bad = sample
        .iter()
        .filter(|&&c| c < 0x09 || (0x0e..0x20).contains(&c))
        .count();
    bad * 50 < sample.len() && std::str::from_utf8(b).is_ok()
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut counts = [0usize; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    let n = b.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders_round_trip() {
        assert_eq!(b64(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(b64(b"aGVsbG8").unwrap(), b"hello");
        assert_eq!(b32(b"NBSWY3DP").unwrap(), b"hello");
        assert_eq!(unhex(b"68656c6c6f").unwrap(), b"hello");
        assert_eq!(rot13(b"uryyb"), b"hello");
        assert!(b64(b"!!notb64").is_none());
        assert!(inflate(b"not zlib").is_none());
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, b"print(1)").unwrap();
        assert_eq!(inflate(&z.finish().unwrap()).unwrap(), b"print(1)");
    }

    #[test]
    fn entropy_and_text() {
        assert!(entropy(b"aaaa") < 0.1);
        assert!(looks_like_text(b"import os\n"));
        assert!(!looks_like_text(&[0, 1, 2, 3, 4]));
    }
}
