//! Micro benchmark: opening typical small packages in memory (synthetic, corpus-sized: the
//! median malicious sdist is ~4 KB, p99 ~320 KB).

use std::hint::black_box;
use std::io::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use malgraph_archive::{Options, detect, open_bytes};

fn source(i: usize, len: usize) -> Vec<u8> {
    let line = format!("import os, sys  # module {i}\nprint(os.environ.get('HOME'), sys.argv)\n");
    line.as_bytes().iter().copied().cycle().take(len).collect()
}

fn tgz(files: usize, len: usize) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    for i in 0..files {
        let data = source(i, len);
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, format!("pkg-1.0/pkg/mod{i}.py"), &data[..])
            .expect("tar");
    }
    b.into_inner().expect("tar").finish().expect("gz")
}

fn zip(files: usize, len: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..files {
        w.start_file(
            format!("pkg/mod{i}.py"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("zip");
        w.write_all(&source(i, len)).expect("zip");
    }
    w.finish().expect("zip").into_inner()
}

fn bench(c: &mut Criterion) {
    let opts = Options::default();
    let mut g = c.benchmark_group("open_bytes");
    for (label, bytes) in [
        ("tgz_small_8x500B", tgz(8, 500)),
        ("tgz_large_200x4KiB", tgz(200, 4096)),
        ("zip_large_200x4KiB", zip(200, 4096)),
    ] {
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(label, |b| {
            b.iter(|| open_bytes(black_box(&bytes), &opts).expect("opens"))
        });
    }
    g.finish();
    let t = tgz(200, 4096);
    c.bench_function("detect_tgz", |b| b.iter(|| detect(black_box(&t))));
}

criterion_group!(benches, bench);
criterion_main!(benches);
