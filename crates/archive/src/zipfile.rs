//! Zip (wheels, eggs, encrypted zips).

use std::io::{self, Cursor, Read};

use malgraph_core::AnomalyKind;
use zip::ZipArchive;
use zip::result::ZipError;

use crate::guard::{Guard, StreamLimits};
use crate::{ArchiveError, Flow, MemberRead, Sink, checked_name, read_limited};

/// Unix file-type bits of a zip entry's external attributes.
const S_IFMT: u32 = 0o170000;
const S_IFLNK: u32 = 0o120000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_IFIFO: u32 = 0o010000;
const S_IFSOCK: u32 = 0o140000;

/// Metadata of one entry, copied out so the archive can be borrowed again.
struct Meta {
    raw: Vec<u8>,
    is_dir: bool,
    mode: Option<u32>,
    encrypted: bool,
    compressed: u64,
    size: u64,
}

fn meta(za: &ZipArchive<Cursor<&[u8]>>, i: usize) -> Result<Meta, ZipError> {
    let e = za.by_index_data(i)?;
    let raw = match e.name() {
        Ok(n) => n.as_bytes().to_vec(),
        Err(_) => e.name_raw().to_vec(),
    };
    Ok(Meta {
        raw,
        is_dir: e.is_dir(),
        mode: e.unix_mode(),
        encrypted: e.encrypted(),
        compressed: e.compressed_size(),
        size: e.size(),
    })
}

/// How one member's read went.
enum Got {
    Read(MemberRead, bool),
    /// No password opened it.
    Locked,
    /// The entry could not be opened at all.
    Failed(ZipError),
}

/// Read a member through a ratio guard. The bool says whether the ratio guard tripped.
fn read_member<R: Read>(r: R, m: &Meta, cap: u64, max_ratio: u64) -> (MemberRead, bool) {
    let (g, flag) = Guard::new(
        r,
        StreamLimits {
            compressed: m.compressed,
            max_ratio,
            max_bytes: u64::MAX,
        },
    );
    let read = read_limited(g, cap, m.size);
    (read, flag.get().is_some())
}

fn is_bad_password(e: &ZipError) -> bool {
    matches!(e, ZipError::InvalidPassword)
}

pub(crate) fn read_zip(bytes: &[u8], sink: &mut Sink<'_, '_>) -> Result<(), ArchiveError> {
    let mut za = match ZipArchive::new(Cursor::new(bytes)) {
        Ok(z) => z,
        Err(e) => return read_stream(bytes, sink, e),
    };
    let hidden = if za.has_duplicate_names() {
        hidden_duplicates(bytes, &za)
    } else {
        Vec::new()
    };
    let passwords = sink.ctx.opts.passwords.clone();
    let max_ratio = sink.ctx.limits().max_ratio;
    // Index of the password that worked last: tried first next time.
    let mut order: Vec<usize> = (0..passwords.len()).collect();
    let mut unlocked: Option<(String, usize)> = None;
    let mut locked = 0usize;
    let mut readable = 0usize;
    let mut first_error: Option<String> = None;
    let ratio_budget = (bytes.len() as u64)
        .saturating_mul(max_ratio)
        .max(crate::RATIO_GRACE_BYTES);
    let mut produced = 0u64;
    for i in 0..za.len() {
        let m = match meta(&za, i) {
            Ok(m) => m,
            Err(e) => {
                first_error.get_or_insert_with(|| e.to_string());
                continue;
            }
        };
        let shown = String::from_utf8_lossy(&m.raw).replace('\\', "/");
        if !sink.ctx.count_member(sink.out, &sink.full(&shown)) {
            break;
        }
        if m.is_dir {
            continue;
        }
        let ftype = m.mode.map(|x| x & S_IFMT);
        if ftype == Some(S_IFLNK) {
            let target = if m.encrypted {
                "(encrypted target)".to_string()
            } else {
                za.by_index(i)
                    .ok()
                    .map(|f| {
                        let r = read_limited(f, 1024, 0);
                        String::from_utf8_lossy(&r.data).into_owned()
                    })
                    .unwrap_or_default()
            };
            sink.anomaly(
                AnomalyKind::Symlink,
                &shown,
                format!(
                    "symlink to {target:?} ({}); not followed",
                    crate::link_scope(&shown, &target, true)
                ),
            );
            continue;
        }
        if let Some(t @ (S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK)) = ftype {
            let what = match t {
                S_IFCHR => "character device",
                S_IFBLK => "block device",
                S_IFIFO => "fifo",
                _ => "socket",
            };
            sink.anomaly(
                AnomalyKind::DeviceEntry,
                &shown,
                format!("{what} entry; not returned"),
            );
            continue;
        }
        let Some(name) = checked_name(sink, &m.raw) else {
            continue;
        };
        // Archive-level ratio: overlapping-entry bombs reuse one compressed kernel many times,
        // which no per-member ratio sees.
        let ratio_left = ratio_budget.saturating_sub(produced);
        let cap = sink.cap().min(ratio_left);
        let ratio_capped = ratio_left < sink.cap();
        let got = if !m.encrypted {
            match za.by_index(i) {
                Ok(f) => {
                    let (r, t) = read_member(f, &m, cap, max_ratio);
                    Got::Read(r, t)
                }
                Err(e) => Got::Failed(e),
            }
        } else {
            let scheme = match za.get_aes_verification_key_and_salt(i) {
                Ok(Some(info)) => format!("AES ({:?})", info.aes_mode),
                _ => "ZipCrypto".to_string(),
            };
            let mut got = Got::Locked;
            for (slot, &pi) in order.iter().enumerate() {
                let pw = &passwords[pi];
                match za.by_index_decrypt(i, pw) {
                    Err(e) if is_bad_password(&e) => continue,
                    Err(e) => {
                        got = Got::Failed(e);
                        break;
                    }
                    Ok(f) => {
                        let (r, t) = read_member(f, &m, cap, max_ratio);
                        if r.error.is_some() && !t {
                            // ZipCrypto accepts 1 wrong password in 256; the CRC then fails.
                            continue;
                        }
                        got = Got::Read(r, t);
                        if unlocked.is_none() {
                            unlocked = Some((scheme.clone(), pi));
                        }
                        order[..=slot].rotate_right(1);
                        break;
                    }
                }
            }
            got
        };
        match got {
            Got::Locked => locked += 1,
            Got::Failed(e) => {
                first_error.get_or_insert_with(|| format!("{name}: {e}"));
                sink.anomaly(
                    AnomalyKind::Truncated,
                    &name,
                    format!("member cannot be read: {e}"),
                );
            }
            Got::Read(r, tripped) => {
                readable += 1;
                produced += r.data.len() as u64;
                if r.over_cap && ratio_capped {
                    sink.push(&name, r.data, false);
                    sink.anomaly(
                        AnomalyKind::RatioExceeded,
                        &name,
                        format!(
                            "archive inflated past {ratio_budget} bytes from {} compressed bytes (ratio limit {max_ratio}); stopped reading",
                            bytes.len()
                        ),
                    );
                    break;
                }
                if tripped {
                    let got_bytes = r.data.len();
                    sink.push(&name, r.data, false);
                    sink.anomaly(
                        AnomalyKind::RatioExceeded,
                        &name,
                        format!(
                            "member inflated past {got_bytes} bytes from {} compressed bytes (ratio limit {max_ratio}); truncated",
                            m.compressed
                        ),
                    );
                } else if let Some(e) = r.error.as_ref() {
                    let msg = format!("member breaks after {} bytes: {e}", r.data.len());
                    let data = r.data;
                    sink.push(&name, data, false);
                    sink.anomaly(AnomalyKind::Truncated, &name, msg);
                } else if sink.member(&name, r) == Flow::Stop {
                    break;
                }
            }
        }
    }
    if za.has_duplicate_names() {
        read_hidden(bytes, &hidden, sink, (&mut produced, ratio_budget));
    }
    let at = sink.archive_path();
    if let Some((scheme, pi)) = &unlocked {
        sink.out.anomaly(
            AnomalyKind::Encrypted,
            &at,
            format!(
                "encrypted members decrypted with {scheme}, password {:?}",
                String::from_utf8_lossy(&passwords[*pi])
            ),
        );
    }
    if locked > 0 {
        if readable == 0 {
            return Err(ArchiveError::Encrypted {
                tried: passwords.len(),
            });
        }
        sink.out.anomaly(
            AnomalyKind::Encrypted,
            &at,
            format!(
                "{locked} encrypted member(s) not read: none of {} password(s) worked",
                passwords.len()
            ),
        );
    }
    if readable == 0
        && let Some(e) = first_error
    {
        return Err(ArchiveError::Corrupt(e));
    }
    Ok(())
}

/// The central directory is missing or broken (often a truncated download): walk the local file
/// headers from the start instead, keeping whatever members precede the damage.
fn read_stream(bytes: &[u8], sink: &mut Sink<'_, '_>, cause: ZipError) -> Result<(), ArchiveError> {
    let mut cur = Cursor::new(bytes);
    let max_ratio = sink.ctx.limits().max_ratio;
    let mut seen = 0usize;
    let mut stream_error: Option<String> = None;
    loop {
        let f = match zip::read::read_zipfile_from_stream(&mut cur) {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                stream_error = Some(e.to_string());
                break;
            }
        };
        let raw = f.name_raw().to_vec();
        let shown = String::from_utf8_lossy(&raw).replace('\\', "/");
        if !sink.ctx.count_member(sink.out, &sink.full(&shown)) {
            break;
        }
        seen += 1;
        if f.is_dir() {
            continue;
        }
        if f.encrypted() {
            sink.anomaly(
                AnomalyKind::Encrypted,
                &shown,
                "encrypted member in a zip without central directory; not read",
            );
            continue;
        }
        let Some(name) = checked_name(sink, &raw) else {
            continue;
        };
        let m = Meta {
            raw,
            is_dir: false,
            mode: None,
            encrypted: false,
            compressed: f.compressed_size(),
            size: f.size(),
        };
        let (r, tripped) = read_member(f, &m, sink.cap(), max_ratio);
        if tripped || r.error.is_some() {
            let detail = match &r.error {
                Some(e) if !tripped => format!("member breaks after {} bytes: {e}", r.data.len()),
                _ => format!("member exceeds ratio limit {max_ratio}; truncated"),
            };
            let kind = if tripped {
                AnomalyKind::RatioExceeded
            } else {
                AnomalyKind::Truncated
            };
            sink.push(&name, r.data, false);
            sink.anomaly(kind, &name, detail);
            // The stream position is unknown after a failed member.
            break;
        }
        if sink.member(&name, r) == Flow::Stop {
            break;
        }
    }
    if seen == 0 {
        let msg = match stream_error {
            Some(s) => format!("{cause}; {s}"),
            None => cause.to_string(),
        };
        let eof_like = matches!(&cause, ZipError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof)
            || msg.to_ascii_lowercase().contains("eocd")
            || msg
                .to_ascii_lowercase()
                .contains("end of central directory");
        return Err(if eof_like && bytes.starts_with(b"PK\x03\x04") {
            ArchiveError::Truncated(msg)
        } else {
            ArchiveError::Corrupt(msg)
        });
    }
    let at = sink.archive_path();
    sink.out.anomaly(
        AnomalyKind::Truncated,
        &at,
        format!(
            "zip central directory unreadable ({cause}); read {seen} entries from local headers"
        ),
    );
    Ok(())
}

/// Central-directory entries that share a name with another: the zip crate indexes entries by
/// name and keeps one, so the others are found here by walking the directory by hand. Returns
/// (raw name, local header offset) of every entry the index does not hold. Best effort: an
/// archive this simple walk cannot follow (zip64, prefixed data) yields nothing.
fn hidden_duplicates(bytes: &[u8], za: &ZipArchive<Cursor<&[u8]>>) -> Vec<(Vec<u8>, u64)> {
    let u16_at = |p: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            bytes.get(p..p + 2)?.try_into().ok()?,
        )))
    };
    let u32_at = |p: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            bytes.get(p..p + 4)?.try_into().ok()?,
        )))
    };
    let walk = || -> Option<Vec<(Vec<u8>, u64)>> {
        let from = bytes.len().saturating_sub(22 + 65_535);
        let eocd = from + bytes[from..].windows(4).rposition(|w| w == b"PK\x05\x06")?;
        let count = u16_at(eocd + 10)?;
        let mut pos = usize::try_from(u32_at(eocd + 16)?).ok()?;
        let mut all = Vec::new();
        for _ in 0..count {
            if bytes.get(pos..pos + 4)? != b"PK\x01\x02" {
                return None;
            }
            let name_len = usize::try_from(u16_at(pos + 28)?).ok()?;
            let extra_len = usize::try_from(u16_at(pos + 30)?).ok()?;
            let comment_len = usize::try_from(u16_at(pos + 32)?).ok()?;
            let offset = u32_at(pos + 42)?;
            let name = bytes.get(pos + 46..pos + 46 + name_len)?.to_vec();
            all.push((name, offset));
            pos += 46 + name_len + extra_len + comment_len;
        }
        Some(all)
    };
    let Some(all) = walk() else {
        return Vec::new();
    };
    let kept: std::collections::HashSet<u64> = (0..za.len())
        .filter_map(|i| za.by_index_data(i).ok().map(|e| e.header_start()))
        .collect();
    // Several records may point at one local header (overlapping bombs): read each once.
    let mut once = kept;
    all.into_iter()
        .filter(|(_, off)| once.insert(*off))
        .collect()
}

/// Read the entries [`hidden_duplicates`] found, from their local headers, and report each name.
fn read_hidden(
    bytes: &[u8],
    hidden: &[(Vec<u8>, u64)],
    sink: &mut Sink<'_, '_>,
    (produced, ratio_budget): (&mut u64, u64),
) {
    let at = sink.archive_path();
    if hidden.is_empty() {
        sink.out.anomaly(
            AnomalyKind::DuplicateName,
            &at,
            "the central directory lists some names more than once; only one entry per name was read",
        );
        return;
    }
    let max_ratio = sink.ctx.limits().max_ratio;
    for (raw, off) in hidden {
        let shown = String::from_utf8_lossy(raw).replace('\\', "/");
        if !sink.ctx.count_member(sink.out, &sink.full(&shown)) {
            return;
        }
        let Some(name) = checked_name(sink, raw) else {
            continue;
        };
        let Some(tail) = usize::try_from(*off).ok().and_then(|o| bytes.get(o..)) else {
            continue;
        };
        let mut cur = Cursor::new(tail);
        let detail = match zip::read::read_zipfile_from_stream(&mut cur) {
            Ok(Some(f)) if !f.encrypted() => {
                let m = Meta {
                    raw: raw.clone(),
                    is_dir: false,
                    mode: None,
                    encrypted: false,
                    compressed: f.compressed_size(),
                    size: f.size(),
                };
                let ratio_left = ratio_budget.saturating_sub(*produced);
                let (r, tripped) = read_member(f, &m, sink.cap().min(ratio_left), max_ratio);
                *produced += r.data.len() as u64;
                if r.over_cap && ratio_left < sink.cap() {
                    sink.push(&name, r.data, false);
                    sink.anomaly(
                        AnomalyKind::RatioExceeded,
                        &name,
                        format!("archive inflated past {ratio_budget} bytes; stopped reading"),
                    );
                    return;
                }
                if tripped || r.error.is_some() {
                    sink.push(&name, r.data, false);
                    "listed more than once; the hidden copy is returned, truncated".to_string()
                } else {
                    sink.member(&name, r);
                    "listed more than once; every copy is returned".to_string()
                }
            }
            Ok(_) => "listed more than once; a hidden copy is encrypted or empty".to_string(),
            Err(e) => format!("listed more than once; a hidden copy cannot be read: {e}"),
        };
        sink.anomaly(AnomalyKind::DuplicateName, &name, detail);
    }
}
