//! A synthetic input generator for scale tests: families of near-duplicate packages (renamed,
//! slightly mutated copies), singletons, advisories with report references, shared indicators.

use crate::fingerprint::{CodeFingerprint, mix};
use crate::model::*;
use malgraph_core::{
    Category, Ecosystem, Iocs, PackageId, PackageName, ScanReport, Stage, Verdict,
};
use sha2::{Digest, Sha256};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// `n` synthetic packages (one version and one sample each). About 70% belong to families of
/// 2-60 near-duplicates (each member drops and replaces ~10% of the family's shingles), the
/// rest have unrelated code. Families share a report reference and often a webhook.
pub fn synthetic_input(n: usize, seed: u64) -> GraphInput {
    let mut rng = Rng(seed ^ 0xdead_beef);
    let mut input = GraphInput::default();
    let mut i = 0usize;
    let mut fam = 0usize;
    while i < n {
        let family = rng.below(10) < 7;
        let size = if family {
            (2 + rng.below(59) as usize).min(n - i)
        } else {
            1
        };
        let base_len = 150 + rng.below(300) as usize;
        let base: Vec<u64> = (0..base_len).map(|_| rng.next()).collect();
        let month = 1 + rng.below(12);
        let year = 2021 + rng.below(4);
        let webhook = format!(
            "https://discord.com/api/webhooks/{fam}/tok{}",
            rng.below(1 << 40)
        );
        let with_ref = rng.below(10) < 7;
        for m in 0..size {
            let name = format!("syn-{fam}-{m}");
            let pid = PackageId::new(Ecosystem::PyPI, &name, Some(&format!("1.0.{}", m % 3)));
            let mut sh: Vec<u64> = base
                .iter()
                .copied()
                .filter(|_| !family || rng.below(100) >= 10)
                .collect();
            let extra = if family { base_len / 10 } else { 0 };
            for _ in 0..extra {
                sh.push(rng.next());
            }
            sh.sort_unstable();
            sh.dedup();
            let mut h = Sha256::new();
            for s in &sh {
                h.update(s.to_le_bytes());
            }
            let nsha = hex::encode(h.finalize());
            let sha = hex::encode(Sha256::digest(format!("{name}{nsha}").as_bytes()));
            let day = 1 + rng.below(28);
            let date = format!("{year}-{month:02}-{day:02}");
            let mut scan = ScanReport::error(format!("{name}.tar.gz"), Some(sha.clone()), "");
            scan.error = None;
            scan.verdict = Verdict::Malicious;
            scan.categories.insert(Category::InformationStealing);
            if rng.below(2) == 0 {
                scan.categories.insert(Category::Exfiltration);
            }
            scan.stages.insert(Stage::Install);
            scan.metadata.summary = Some(format!("summary {}", fam % 7));
            scan.metadata.dependencies = vec!["requests".into()];
            scan.metadata.imports = vec!["os".into(), "sys".into(), "base64".into()];
            if family && m > 0 && rng.below(20) == 0 {
                scan.metadata.dependencies.push(format!("syn-{fam}-0"));
            }
            if family && rng.below(3) > 0 {
                scan.iocs.webhooks.insert(webhook.clone());
            }
            input.samples.push(SampleEntry {
                sha256: sha,
                package: pid.clone(),
                source: Some("synthetic".into()),
                date: Some(date.clone()),
                fingerprint: Some(CodeFingerprint {
                    normalized_sha256: nsha,
                    tokens: sh.len() as u64 + 6,
                    shingles: sh,
                    modules: vec![name.replace('-', "_")],
                }),
                focused: None,
                scan: Some(scan),
            });
            input.advisories.push(AdvisoryEntry {
                id: format!("MAL-SYN-{i}"),
                package: PackageName::new(Ecosystem::PyPI, &name),
                versions: vec![pid.version.clone().unwrap_or_default()],
                source: "synthetic-osv".into(),
                published: Some(date),
                references: if with_ref {
                    vec![format!("https://blog.example.net/campaign-{fam}")]
                } else {
                    Vec::new()
                },
                summary: None,
                iocs: Iocs::default(),
                withdrawn: false,
            });
            i += 1;
        }
        fam += 1;
    }
    input
}
