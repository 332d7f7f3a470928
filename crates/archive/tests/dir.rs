//! Unpacked package folders and archive discovery on disk (synthetic fixtures in a temp dir).

use std::fs;
use std::io::Write;

use malgraph_archive::{
    AnomalyKind, ArchiveError, Format, Limits, Options, find_archives, is_package_dir, read_dir,
};

fn tgz_with(name: &str, data: &[u8]) -> Vec<u8> {
    let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, name, data).unwrap();
    b.into_inner().unwrap().finish().unwrap()
}

#[test]
fn reads_folder_relative_sorted_and_reports_symlinks() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("pkg/sub")).unwrap();
    fs::create_dir_all(root.join(".git/objects")).unwrap();
    fs::write(root.join("setup.py"), b"setup()").unwrap();
    fs::write(root.join("pkg/sub/b.py"), b"b").unwrap();
    fs::write(root.join("pkg/a.py"), b"a").unwrap();
    fs::write(root.join(".git/objects/x"), b"history").unwrap();
    fs::write(root.join("pkg/.hidden.py"), b"h").unwrap();
    fs::write(root.join("vendored.tar.gz"), tgz_with("v/x.py", b"x")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/passwd", root.join("pkg/link")).unwrap();

    assert!(is_package_dir(root));
    assert!(!is_package_dir(&root.join("pkg")));

    let u = read_dir(root, &Options::default()).unwrap();
    assert_eq!(u.format, Format::Dir);
    let paths: Vec<&str> = u.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "pkg/.hidden.py",
            "pkg/a.py",
            "pkg/sub/b.py",
            "setup.py",
            "vendored.tar.gz!/v/x.py"
        ]
    );
    #[cfg(unix)]
    {
        assert_eq!(u.anomalies.len(), 1, "{:?}", u.anomalies);
        assert_eq!(u.anomalies[0].kind, AnomalyKind::Symlink);
        assert_eq!(u.anomalies[0].path, "pkg/link");
        assert!(u.anomalies[0].detail.contains("/etc/passwd"));
        assert!(u.anomalies[0].detail.contains("points outside the folder"));
    }
}

#[test]
fn folder_limits_apply() {
    let tmp = tempfile::tempdir().unwrap();
    let mut f = fs::File::create(tmp.path().join("big.bin")).unwrap();
    f.write_all(&vec![1u8; 5000]).unwrap();
    let opts = Options {
        limits: Limits {
            max_member_bytes: 100,
            ..Limits::default()
        },
        ..Options::default()
    };
    let u = read_dir(tmp.path(), &opts).unwrap();
    assert_eq!(u.files[0].data.len(), 100);
    assert_eq!(u.anomalies[0].kind, AnomalyKind::MemberTooLarge);
}

#[test]
fn read_dir_on_a_missing_or_plain_file_is_an_io_error() {
    let tmp = tempfile::tempdir().unwrap();
    let err = read_dir(&tmp.path().join("nope"), &Options::default()).unwrap_err();
    assert!(matches!(err, ArchiveError::Io { .. }));
    let file = tmp.path().join("f");
    fs::write(&file, b"x").unwrap();
    assert!(matches!(
        read_dir(&file, &Options::default()),
        Err(ArchiveError::Io { .. })
    ));
}

#[test]
fn find_archives_by_magic_sorted_skipping_hidden_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::create_dir_all(root.join("b/deep")).unwrap();
    fs::create_dir_all(root.join(".cache")).unwrap();
    let tgz = tgz_with("p/setup.py", b"x");
    // Named like text, but a tar.gz by its bytes.
    fs::write(root.join("b/deep/innocent.txt"), &tgz).unwrap();
    fs::write(root.join("a.tar.gz"), &tgz).unwrap();
    // Named like an archive, but text.
    fs::write(root.join("fake.tar.gz"), b"<html>not found</html>").unwrap();
    fs::write(root.join(".cache/hidden.tar.gz"), &tgz).unwrap();
    fs::write(root.join("empty.zip"), b"").unwrap();
    let found = find_archives(root);
    let rel: Vec<String> = found
        .iter()
        .map(|p| {
            p.strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(rel, ["a.tar.gz", "b/deep/innocent.txt"]);
}
