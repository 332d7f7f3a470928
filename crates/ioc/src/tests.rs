use super::*;

fn set(v: &std::collections::BTreeSet<String>) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

const DISCORD_TOKEN: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ_-0123456789abcdefghijklmnopqrstu";

#[test]
fn urls_positive() {
    let cases: &[(&str, &str)] = &[
        ("get http://evil.com/a.py now", "http://evil.com/a.py"),
        (
            "(see https://evil.com/x?a=1&b=2).",
            "https://evil.com/x?a=1&b=2",
        ),
        ("'https://evil.xyz/p'", "https://evil.xyz/p"),
        (
            "\"ftp://files.evil.ru/x.bin\";",
            "ftp://files.evil.ru/x.bin",
        ),
        ("wss://c2.evil.top:8443/ws,", "wss://c2.evil.top:8443/ws"),
        (
            "<a href=\"http://45.33.32.156:8080/x\">",
            "http://45.33.32.156:8080/x",
        ),
        ("[link](https://evil.com/path)", "https://evil.com/path"),
        (
            "https://evil.com/wiki/Foo_(bar)",
            "https://evil.com/wiki/Foo_(bar)",
        ),
        ("hxxps://evil[.]com/payload", "https://evil.com/payload"),
        (
            "hXXp[:]//bad(.)example-c2.net/",
            "http://bad.example-c2.net/",
        ),
        ("HTTP://EVIL.COM/X", "HTTP://EVIL.COM/X"),
        (
            "https://github.com/evil/x/releases/download/v1/stealer.exe",
            "https://github.com/evil/x/releases/download/v1/stealer.exe",
        ),
        (
            "https://raw.githubusercontent.com/a/b/main/x.py",
            "https://raw.githubusercontent.com/a/b/main/x.py",
        ),
        ("http://evil.py/install", "http://evil.py/install"),
        (
            "GET http://[2a03:2880:f003:c07:face:b00c::2]:8080/x",
            "http://[2a03:2880:f003:c07:face:b00c::2]:8080/x",
        ),
        // Two URLs glued together by concatenation: both are found.
        (
            "https://a-evil.com/xhttps://b-evil.com/y",
            "https://a-evil.com/x",
        ),
        (
            "https://a-evil.com/xhttps://b-evil.com/y",
            "https://b-evil.com/y",
        ),
    ];
    for (text, want) in cases {
        let got = extract(text);
        assert!(got.urls.contains(*want), "{text:?}: urls {:?}", got.urls);
    }
}

#[test]
fn urls_negative() {
    let cases: &[&str] = &[
        "http://localhost:8000/api",
        "http://127.0.0.1:5000/",
        "http://192.168.1.10/admin",
        "http://1.2.3.4/placeholder",
        "http://8.8.8.8/resolver",
        "https://pypi.org/simple/requests/",
        "https://github.com/psf/requests",
        "https://docs.python.org/3/library/os.html",
        "https://example.com/foo",
        "http://${HOST}/x",
        "f\"https://{host}/api\"",
        "http://%s/path",
        "http://intranet/wiki",
        "https://foo.notatld/",
        "https://img.shields.io/pypi/v/requests.svg",
        "http://",
        "http://[::1]:8000/",
        "http://[fe80::1]/",
        "mailto:someone",
    ];
    for text in cases {
        let got = extract(text);
        assert!(got.urls.is_empty(), "{text:?}: urls {:?}", got.urls);
        assert!(
            got.domains.is_empty(),
            "{text:?}: domains {:?}",
            got.domains
        );
    }
}

#[test]
fn domains() {
    let pos: &[(&str, &str)] = &[
        ("connect to evil.com now", "evil.com"),
        ("C2: update-checker.xyz", "update-checker.xyz"),
        ("beacons to evil[.]top and", "evil.top"),
        ("host = 'c2.badguy.ru'", "c2.badguy.ru"),
        ("https://Sub.Evil.com/x", "sub.evil.com"),
        ("Evil.com was registered", "evil.com"),
        ("https://gist.github.com/x/y", "gist.github.com"),
        ("http://c2.evil.dev/x", "c2.evil.dev"),
        // Word-like TLDs need evidence: a hyphen or digit, defanging, or the whole text.
        ("beacon to pypi-update.top", "pypi-update.top"),
        ("evil[.]info", "evil.info"),
        ("\"stealer.xyz\"", "stealer.xyz"),
        ("x = 'c2server.top'", "c2server.top"),
        // Literals joined by newlines, as the analyser passes them.
        ("import os\nstealer.xyz\nother literal", "stealer.xyz"),
        ("api.evil.com", "api.evil.com"),
        ("exfil.evil.ru", "exfil.evil.ru"),
    ];
    for (text, want) in pos {
        let got = extract(text);
        assert!(
            got.domains.contains(*want),
            "{text:?}: domains {:?}",
            got.domains
        );
    }
    let neg: &[&str] = &[
        "os.path.join(a, b)",
        "self.data = x",
        "self.info",
        "logger.info('x')",
        "python setup.py install",
        "bash install.sh",
        "see README.md and main.rs",
        "include MANIFEST.in",
        "user.id == 3",
        "numpy.array",
        "np.info",
        "config.dev",
        "flask.app",
        "archive.zip",
        "module.exports = foo",
        "version 1.2.3",
        "pypi.org",
        "files.pythonhosted.org",
        "www.w3.org",
        "example.com",
        "obj.Name.com",
        "send to admin@evil.com",
        "lib.so",
        "document.location",
        "window.top",
        "margin.top",
        "a.top",
        "c.bottom-c.top",
        "2025.dev",
        "1.0.post0.dev",
        "flask.app",
        "axes.spines.top",
        "op.ge",
        "model.pt",
        "numpy.ma",
        "dateutil.tz",
        "ax.set",
        "cluster.info",
        "foo.bar",
    ];
    for text in neg {
        let got = extract(text);
        assert!(
            got.domains.is_empty(),
            "{text:?}: domains {:?}",
            got.domains
        );
    }
}

#[test]
fn ips() {
    let pos: &[(&str, &str)] = &[
        ("connect 45.33.32.156 4444", "45.33.32.156"),
        ("s.connect(('45.33.32.156', 53))", "45.33.32.156"),
        ("http://45.33.32.156:8080/x", "45.33.32.156"),
        ("ip 45[.]33[.]32[.]156", "45.33.32.156"),
        (
            "c2 2a03:2880:f003:c07:face:b00c::2 used",
            "2a03:2880:f003:c07:face:b00c:0:2",
        ),
        ("::ffff:45.33.32.156", "45.33.32.156"),
        // Small octets look like a version outside a URL, but a URL host is explicit.
        ("http://5.2.1.10/x", "5.2.1.10"),
        (
            "http://[2a03:2880:f003:c07:face:b00c::2]/x",
            "2a03:2880:f003:c07:face:b00c:0:2",
        ),
        ("45.33.32.156\n", "45.33.32.156"),
    ];
    for (text, want) in pos {
        let got = extract(text);
        assert!(got.ips.contains(*want), "{text:?}: ips {:?}", got.ips);
    }
    let neg: &[&str] = &[
        "127.0.0.1",
        "0.0.0.0",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.0.1",
        "169.254.169.254",
        "255.255.255.255",
        "192.0.2.55",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.251",
        "100.64.1.1",
        "999.1.1.1",
        "1.2.3.4.5",
        "version 1.2.3.4",
        "Version: 2.0.1.7",
        "requests==2.31.0.1",
        "lodash@4.17.21.3",
        "v1.2.3.4",
        "01.02.03.04",
        "::1",
        "fe80::1",
        "fd00::1:2:3",
        "2001:db8::1:2",
        "std::io::Result",
        "a::b::c",
        "dead::beef::cafe",
        "12:34:56",
        // Public DNS resolvers and placeholders.
        "1.1.1.1",
        "8.8.8.8 and 2606:4700:4700::1111",
        "1.2.3.4",
        "11.22.33.44",
        // Versions: small octets, package files, user agents, OIDs.
        "2.3.4.5",
        "nvidia_cufile-1.15.1.6-py3-none-any.whl",
        "Chrome/124.0.0.0 Safari/537.36",
        "version = \"12.0.4.66\"",
        "oid 1.3.101.110",
        "1.2.840.113549",
        "2001::1:2:3:4",
        "2002:db8::1:2",
        "3ffe:b00::1:0:0:a",
    ];
    for text in neg {
        let got = extract(text);
        assert!(got.ips.is_empty(), "{text:?}: ips {:?}", got.ips);
    }
}

#[test]
fn emails() {
    let pos: &[(&str, &str)] = &[
        ("contact attacker99@gmail.com now", "attacker99@gmail.com"),
        ("Mail: X.Y+tag@Evil-Corp.ru.", "x.y+tag@evil-corp.ru"),
        ("exfil to bad[@]proton[.]me", "bad@proton.me"),
        ("bad[at]proton[.]me", "bad@proton.me"),
    ];
    for (text, want) in pos {
        let got = extract(text);
        assert!(
            got.emails.contains(*want),
            "{text:?}: emails {:?}",
            got.emails
        );
        assert!(
            got.domains.is_empty(),
            "{text:?}: email domain leaked {:?}",
            got.domains
        );
    }
    let neg: &[&str] = &[
        "user@example.com",
        "a@foo.test",
        "root@localhost",
        "git@github.com:org/repo.git",
        "@property",
        "lodash@4.17.21",
        "@types/node",
        "foo@bar",
        "x@y.notatld",
        "foo@bar.com",
        "test@test.com",
        "12345+me@users.noreply.github.com",
        "security@python.org",
        "a..b@evil.com",
    ];
    for text in neg {
        let got = extract(text);
        assert!(got.emails.is_empty(), "{text:?}: emails {:?}", got.emails);
    }
}

#[test]
fn webhooks() {
    let d = format!(
        "requests.post('https://discord.com/api/webhooks/1234567890123456789/{DISCORD_TOKEN}', json=x)"
    );
    let got = extract(&d);
    assert_eq!(
        set(&got.webhooks),
        vec![
            format!("https://discord.com/api/webhooks/1234567890123456789/{DISCORD_TOKEN}")
                .as_str()
        ]
    );
    assert_eq!(got.urls.len(), 1);

    // Old host, API version, defanged: same canonical webhook.
    let d2 = format!(
        "hxxps://discordapp[.]com/api/v10/webhooks/1234567890123456789/{DISCORD_TOKEN}?wait=true"
    );
    assert_eq!(extract(&d2).webhooks, got.webhooks);

    let secret = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawA";
    assert_eq!(secret.len(), 35);
    let t = format!("https://api.telegram.org/bot123456789:{secret}/sendMessage?chat_id=1");
    let want = format!("https://api.telegram.org/bot123456789:{secret}");
    assert_eq!(set(&extract(&t).webhooks), vec![want.as_str()]);
    // A bare token (the URL is built by an f-string elsewhere).
    let t2 = format!("TOKEN = '123456789:{secret}'");
    assert_eq!(set(&extract(&t2).webhooks), vec![want.as_str()]);

    let s = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
    assert_eq!(set(&extract(s).webhooks), vec![s]);

    // Near misses: no token, not a webhook path, token too short.
    for text in [
        "https://discord.com/api/webhooks/",
        "https://discord.com/channels/123/456",
        "https://discord.com/api/webhooks/123/abc",
        "https://api.telegram.org/bot{TOKEN}/sendMessage",
        "12345678:AAshort",
        "https://hooks.slack.com/",
    ] {
        assert!(extract(text).webhooks.is_empty(), "{text:?}");
    }
}

#[test]
fn wallets() {
    let pos: &[(&str, &str)] = &[
        (
            "send to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        ),
        (
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        ),
        (
            "BTC=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        ),
        (
            "eth: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ),
        (
            "0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae",
            "0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae",
        ),
        (
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        ),
        (
            "xmr 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
            "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A",
        ),
    ];
    for (text, want) in pos {
        let got = extract(text);
        assert!(
            got.wallets.contains(*want),
            "{text:?}: wallets {:?}",
            got.wallets
        );
    }
    let neg: &[&str] = &[
        // One character changed: checksum fails.
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
        // Mixed case bech32 is invalid.
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7KV8F3T4",
        // EIP-55 checksum broken (one letter's case flipped).
        "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x0000000000000000000000000000000000000000",
        "0xffffffffffffffffffffffffffffffffffffffff",
        // 64 hex digits (a hash), not an address.
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed5aaeb6053f3e94c9b9a09f33",
        "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3B",
        // Base58-looking identifiers.
        "1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ThisIsAVeryLongIdentifierName123",
        "3fa85f6457174562b3fc2c963f66afa6",
    ];
    for text in neg {
        let got = extract(text);
        assert!(
            got.wallets.is_empty(),
            "{text:?}: wallets {:?}",
            got.wallets
        );
    }
}

#[test]
fn classify() {
    let cases: &[(&str, UrlKind)] = &[
        (
            "https://discord.com/api/webhooks/1/abc",
            UrlKind::DiscordWebhook,
        ),
        (
            "https://canary.discordapp.com/api/v9/webhooks/1/abc",
            UrlKind::DiscordWebhook,
        ),
        ("https://discord.com/invite/abc", UrlKind::Generic),
        (
            "https://api.telegram.org/bot123:abc/sendDocument",
            UrlKind::TelegramBot,
        ),
        (
            "https://hooks.slack.com/services/T/B/X",
            UrlKind::SlackWebhook,
        ),
        ("https://pastebin.com/raw/abcd", UrlKind::PasteSite),
        ("https://rentry.co/xyz/raw", UrlKind::PasteSite),
        ("https://transfer.sh/abc/x.bin", UrlKind::FileSharing),
        (
            "https://cdn.discordapp.com/attachments/1/2/x.exe",
            UrlKind::FileSharing,
        ),
        ("https://abcd-1-2-3-4.ngrok-free.app/x", UrlKind::Tunnel),
        ("https://foo.trycloudflare.com", UrlKind::Tunnel),
        ("ssh serveo.net", UrlKind::Generic),
        ("https://serveo.net/x", UrlKind::Tunnel),
        ("https://webhook.site/1234-uuid", UrlKind::RequestCatcher),
        ("http://x.oastify.com", UrlKind::RequestCatcher),
        ("http://45.33.32.156:8000/x", UrlKind::IpHost),
        ("http://[2606:4700::1111]/x", UrlKind::IpHost),
        ("https://raw.githubusercontent.com/a/b/c", UrlKind::RawCode),
        ("https://gist.github.com/a/b", UrlKind::RawCode),
        ("https://github.com/a/b/raw/main/x.py", UrlKind::RawCode),
        ("https://github.com/a/b", UrlKind::Generic),
        ("https://notpastebin.com/x", UrlKind::Generic),
        ("https://evil.com/?u=pastebin.com", UrlKind::Generic),
        ("", UrlKind::Generic),
        ("not a url", UrlKind::Generic),
    ];
    for (url, want) in cases {
        assert_eq!(classify_url(url), *want, "{url}");
    }
}

#[test]
fn benign() {
    for d in [
        "pypi.org",
        "files.pythonhosted.org",
        "github.com",
        "docs.python.org",
        "requests.readthedocs.io",
        "example.com",
        "www.example.org",
        "localhost",
        "www.w3.org",
        "schemas.microsoft.com",
        "commons.apache.org",
        "fonts.googleapis.com",
        "PyPI.org.",
    ] {
        assert!(is_benign_domain(d), "{d}");
    }
    for d in [
        "gist.github.com",
        "raw.githubusercontent.com",
        "storage.googleapis.com",
        "evil-pypi.org",
        "pypi.org.evil.com",
        "notgithub.com",
        "evil.com",
        "",
        "github.io",
    ] {
        assert!(!is_benign_domain(d), "{d}");
    }
}

#[test]
fn refang_forms() {
    assert_eq!(refang("hxxp://a[.]b(.)c[:]80"), "http://a.b.c:80");
    assert_eq!(refang("HXXPS[://]x[dot]com"), "https://x.com");
    assert!(matches!(
        refang("plain text"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn extract_into_accumulates() {
    let mut out = Iocs::default();
    extract_into("http://evil.com/a", &mut out);
    extract_into("45.33.32.156", &mut out);
    assert_eq!(set(&out.urls), vec!["http://evil.com/a"]);
    assert_eq!(set(&out.ips), vec!["45.33.32.156"]);
    assert_eq!(set(&out.domains), vec!["evil.com"]);
}

#[test]
fn mixed_report_text() {
    let text = "The package phoned home to hxxp://45.33.32[.]156/upload and dropped a \
        miner paying 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A. \
        Stolen tokens went to attacker@proton.me and evil-cdn[.]xyz. See https://pypi.org/project/x/.";
    let got = extract(text);
    assert_eq!(set(&got.urls), vec!["http://45.33.32.156/upload"]);
    assert_eq!(set(&got.ips), vec!["45.33.32.156"]);
    assert_eq!(set(&got.emails), vec!["attacker@proton.me"]);
    assert_eq!(set(&got.domains), vec!["evil-cdn.xyz"]);
    assert_eq!(got.wallets.len(), 1);
}

#[test]
fn never_panics_on_arbitrary_input() {
    let alphabet: Vec<char> = "aA0.:/@[](){}-_ xX1bc3hptsw\u{e9}\u{1f600}\u{0}\n=?#%"
        .chars()
        .collect();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..5000 {
        let len = (next() % 120) as usize;
        let s: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        let _ = extract(&s);
        let _ = classify_url(&s);
        let _ = is_benign_domain(&s);
    }
    // Arbitrary bytes, lossily decoded.
    for _ in 0..2000 {
        let len = (next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| (next() & 0xff) as u8).collect();
        let s = String::from_utf8_lossy(&bytes);
        let _ = extract(&s);
        let _ = classify_url(&s);
    }
}

#[test]
fn overlap_search() {
    let taken = vec![0..5, 10..20, 30..31];
    assert!(overlaps(&taken, &(4..6)));
    assert!(!overlaps(&taken, &(5..10)));
    assert!(overlaps(&taken, &(19..25)));
    assert!(!overlaps(&taken, &(20..30)));
    assert!(overlaps(&taken, &(25..35)));
    assert!(!overlaps(&taken, &(31..40)));
    assert!(!overlaps(&[], &(0..1)));
}

#[test]
fn emails_and_urls_together() {
    // An e-mail before a URL, and a domain inside the URL's path: no double counting.
    let got = extract("mail bad@evil-mail.ru then https://c2-evil.com/x/other-evil.com.");
    assert_eq!(set(&got.emails), vec!["bad@evil-mail.ru"]);
    assert_eq!(set(&got.domains), vec!["c2-evil.com"]);
}

#[test]
fn large_inputs_stay_fast() {
    // A minified-JS-like line of 1 MB full of attribute chains, and one of base58-ish
    // noise: both must be handled in well under a second in a debug build.
    let chunk = "a.b.c=d.e.f(g.h.top,i.info);x.y.z.com-w;";
    let big: String = chunk.repeat(1_000_000 / chunk.len());
    let t = std::time::Instant::now();
    let _ = extract(&big);
    let noise: String = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb ".repeat(30_000);
    let got = extract(&noise);
    assert!(got.wallets.is_empty());
    assert!(t.elapsed().as_secs_f64() < 5.0, "{:?}", t.elapsed());
}

#[test]
fn every_pattern_compiles() {
    // A pattern that failed to compile would silently disable one kind of indicator.
    for (name, re) in [
        ("url", &URL_RE),
        ("email", &EMAIL_RE),
        ("domain", &DOMAIN_RE),
        ("ipv4", &IPV4_RE),
        ("ipv6", &IPV6_RE),
        ("telegram", &TG_TOKEN_RE),
        ("base58", &B58_RE),
        ("bech32", &BECH32_RE),
        ("eth", &ETH_RE),
        ("xmr", &XMR_RE),
    ] {
        assert!(re.is_some(), "{name} regex does not compile");
    }
}

#[test]
fn package_registry_urls() {
    for u in [
        "https://registry.npmjs.org/${pkg}/-/${pkg}-${version}.tgz",
        "https://files.pythonhosted.org/packages/ab/cd/x-1.0.tar.gz",
        "http://registry.yarnpkg.com/left-pad",
    ] {
        assert!(is_package_registry_url(u), "{u}");
    }
    for u in [
        "https://registry.npmjs.org@203.0.113.9/x.tgz",
        "https://registry.npmjs.org.evil.example/x",
        "https://${host}/pkg.tgz",
        "registry.npmjs.org/x",
        "https://github.com/o/r/releases/download/v1/x.tgz",
    ] {
        assert!(!is_package_registry_url(u), "{u}");
    }
}

#[test]
fn staged_executable_urls() {
    for u in [
        "https://cdn.discordapp.com/attachments/1/2/MinGCC-x64.exe?ex=6681&is=6680&",
        "https://cdn-128.anonfiles.com/BbXfs5Rcy9/62fc3c92/Update.exe",
        "http://203.0.113.7:8080/payload.PS1",
        "https://x.trycloudflare.com/run.bat#frag",
        "https://www.dropbox.com/s/abc/setup.msi?dl=1",
    ] {
        assert!(is_staged_executable_url(u), "{u}");
    }
    for u in [
        // A vendor's own download host, a release page, raw code hosting.
        "https://www.python.org/ftp/python/3.12.0/python-3.12.0-amd64.exe",
        "https://github.com/o/r/releases/download/v1/tool.exe",
        "https://raw.githubusercontent.com/o/r/main/install.ps1",
        // File sharing, but not a program.
        "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/w.h5",
        "https://cdn.discordapp.com/attachments/1/2/image.png?x=exe",
        "https://transfer.sh/.exe",
    ] {
        assert!(!is_staged_executable_url(u), "{u}");
    }
}
