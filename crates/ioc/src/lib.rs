//! Indicators of compromise (IoCs) in text.
//!
//! This crate owns finding indicators in any text — a string literal of a scanned
//! package, the text of a security report page — and deciding which of them are worth
//! reporting: URLs, domains, public IP addresses, e-mail addresses, exfiltration webhooks
//! (Discord, Telegram, Slack) and cryptocurrency wallets. It also classifies URLs
//! ([`classify_url`]), gives the host ([`url_host`]) and the canonical form of a page URL
//! ([`canonical_url`]: one spelling per report page), and knows the benign infrastructure
//! that is never an indicator by itself ([`is_benign_domain`]).
//!
//! It must not do I/O, resolve names, fetch URLs, or judge a package: it reports what the
//! text contains; the analyser and the graph weigh it.
//!
//! # What is reported
//!
//! - **Defanged** text is refanged first ([`refang`]: `hxxp`, `[.]`, `(.)`, `[:]`, `[@]` ...).
//! - **URLs** with scheme `http(s)`, `ftp(s)`, `sftp`, `ws(s)`, trailing punctuation
//!   trimmed (a closing bracket the URL opened is kept), query kept, stored as found;
//!   URLs glued together (`https://a/xhttps://b/y`) are split. The host must be an IP
//!   address or a name with a real TLD (the public-suffix list's TLDs, `data/tlds.txt`).
//!   URLs on benign hosts ([`is_benign_domain`]) are dropped, except on hosts of user
//!   content (`github.com`, `gitlab.com`, `bitbucket.org`) when the path looks like a
//!   payload (`/releases/download/`, `/raw/`, `.exe`, `.sh`, `.zip` ...); so are URLs on
//!   non-public, placeholder or public-resolver IPs.
//! - **Domains**: URL hosts (lower case) that are not benign, and bare domains in text
//!   when they are plausible (see `plausible_bare_domain` in `domain.rs`): a strong TLD
//!   (`.com`, `.net`, `.org` ...), a country code that is not also a file extension or
//!   attribute name (`.py`, `.sh`, `.md`, `.rs`, `.in`, `.pt` ...), or a word-like gTLD
//!   (`.top`, `.info`, `.xyz` ...) backed by evidence (a hyphen or digit in the name, a
//!   defanged text, or the domain being a whole line of the text, as when string literals
//!   are joined with newlines); not an attribute chain
//!   (`self.info`, `margin.top`), not followed by `(`.
//!   E-mail domains are not added (most are webmail providers).
//! - **IPs**: IPv4 and IPv6 addresses in public ranges only (private, loopback,
//!   link-local, documentation, multicast, CGNAT, reserved, Teredo and 6to4 ranges are
//!   dropped), minus well-known public DNS resolvers ([`is_benign_ip`]) and placeholders
//!   (`1.2.3.4`). Outside URLs a dotted quad must not look like a version: not part of a
//!   longer dotted number or a file name (`pkg-1.15.1.6-py3`, `Chrome/124.0.0.0`), not
//!   after a version marker (`version 1.2.3.4`, `==1.2.3.4`), not an OID (`1.3.6.1...`),
//!   and not made of four numbers below 32 (`2.3.4.5`). IPv4-mapped IPv6 is reported as
//!   IPv4.
//! - **E-mails**, lower-cased, with a real TLD. Dropped: placeholders at reserved or
//!   placeholder domains (`user@example.com`, `*.test`, `foo@bar.com`), addresses at
//!   benign infrastructure (`p@python.org`, `*@users.noreply.github.com`) and `git@host`
//!   SSH remotes: they are never an attacker's contact point. Webmail addresses
//!   (`x@gmail.com`) are kept: attackers use them.
//! - **Webhooks**, canonicalised so that the same endpoint links across packages:
//!   `https://discord.com/api/webhooks/ID/TOKEN`, `https://api.telegram.org/botTOKEN`
//!   (also built from a bare bot token `123456789:AA...`), `https://hooks.slack.com/...`.
//!   The webhook URL as found is also in `urls`.
//! - **Wallets**, checksum-validated: Bitcoin/Litecoin/Dogecoin/Tron Base58Check,
//!   Bitcoin bech32/bech32m (`bc1...`), Ethereum (`0x` + 40 hex, EIP-55 when mixed case),
//!   Monero (95 characters, Keccak checksum).
//!
//! Regexes are compiled once; cheap byte prefilters skip the regexes a text cannot match.

mod canon;
mod domain;
mod refang;
mod urls;
mod wallet;

pub use canon::{canonical_url, url_host};
pub use domain::is_benign_domain;
pub use refang::refang;
pub use urls::{UrlKind, classify_url, is_package_registry_url, is_staged_executable_url};

use malgraph_core::Iocs;
use memchr::{memchr, memmem};
use regex::Regex;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::LazyLock;

fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static URL_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r#"(?i:https?|ftps?|sftp|wss?)://(?:\[[0-9A-Fa-f:.]{2,45}\])?[^\s<>"'`{}|\\^\[\]]*"#)
});
static EMAIL_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"(?-u:\b)[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?-u:\b)",
    )
});
static DOMAIN_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?-u:\b)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?-u:\b)")
});
static IPV4_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?-u:\b)(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?-u:\b)"));
static IPV6_RE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"(?i)[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?::(?:[0-9]{1,3}\.){3}[0-9]{1,3})?")
});
static TG_TOKEN_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?-u:\b)[0-9]{8,10}:AA[A-Za-z0-9_-]{33}"));
static B58_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?-u:\b)[13LMDT9A][1-9A-HJ-NP-Za-km-z]{25,34}(?-u:\b)"));
static BECH32_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?-u:\b)(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87}(?-u:\b)"));
static ETH_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?-u:\b)0[xX][0-9a-fA-F]{40}(?-u:\b)"));
static XMR_RE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(?-u:\b)[48][1-9A-HJ-NP-Za-km-z]{94}(?-u:\b)"));

/// Extract every indicator in `text` (see the crate docs for what is kept).
pub fn extract(text: &str) -> Iocs {
    let mut out = Iocs::default();
    extract_into(text, &mut out);
    out
}

/// Like [`extract`], adding to `out` (so a caller can gather a whole package cheaply).
pub fn extract_into(text: &str, out: &mut Iocs) {
    if text.len() < 4 {
        return;
    }
    let refanged = refang(text);
    let defanged = matches!(refanged, std::borrow::Cow::Owned(_));
    let text = refanged.as_ref();
    let bytes = text.as_bytes();
    let has_dot = memchr(b'.', bytes).is_some();
    let has_colon = memchr(b':', bytes).is_some();
    let has_at = memchr(b'@', bytes).is_some();

    // Spans already explained by a URL or an e-mail: no bare domain or IP inside them.
    let mut taken: Vec<Range<usize>> = Vec::new();

    if has_colon && memmem::find(bytes, b"://").is_some() {
        urls_into(text, out, &mut taken);
    }
    if has_colon {
        telegram_tokens_into(text, out);
    }
    if has_at && has_dot {
        emails_into(text, out, &mut taken);
    }
    if has_dot {
        ipv4_into(text, out, &taken);
        bare_domains_into(text, out, &taken, defanged);
    }
    if has_colon && (memmem::find(bytes, b"::").is_some() || colon_count_at_least(bytes, 7)) {
        ipv6_into(text, out, &taken);
    }
    if has_long_alnum_run(bytes, 26) {
        wallets_into(text, out);
    }
}

fn colon_count_at_least(bytes: &[u8], n: usize) -> bool {
    memchr::memchr_iter(b':', bytes).nth(n - 1).is_some()
}

fn has_long_alnum_run(bytes: &[u8], n: usize) -> bool {
    let mut run = 0;
    for &b in bytes {
        if b.is_ascii_alphanumeric() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Does `r` overlap one of `taken`? `taken` is sorted and its spans do not overlap each
/// other, so their ends are sorted too: a binary search suffices.
fn overlaps(taken: &[Range<usize>], r: &Range<usize>) -> bool {
    let i = taken.partition_point(|t| t.end <= r.start);
    taken.get(i).is_some_and(|t| t.start < r.end)
}

fn valid_hostname(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn urls_into(text: &str, out: &mut Iocs, taken: &mut Vec<Range<usize>>) {
    let Some(re) = URL_RE.as_ref() else { return };
    for m in re.find_iter(text) {
        for (offset, piece) in urls::split_concatenated(m.as_str()) {
            url_into(piece, m.start() + offset, out, taken);
        }
    }
}

fn url_into(raw: &str, start: usize, out: &mut Iocs, taken: &mut Vec<Range<usize>>) {
    let url = urls::trim_url(raw);
    let Some((host, path)) = urls::split_url(url) else {
        return;
    };
    taken.push(start..start + url.len());
    if let Ok(ip) = host.parse::<IpAddr>() {
        if !is_public_ip(&ip) {
            return;
        }
        let s = ip.to_string();
        // Placeholders and public resolvers: neither the URL nor the address is an
        // indicator.
        if PLACEHOLDER_IPS.contains(&s.as_str()) || is_benign_ip(&s) {
            return;
        }
        out.ips.insert(s);
    } else {
        if !valid_hostname(&host) || !domain::has_real_tld(&host) {
            return;
        }
        if is_benign_domain(&host) {
            if !(urls::hosts_user_content(&host) && urls::looks_like_payload(path)) {
                return;
            }
        } else {
            out.domains.insert(host.clone());
        }
    }
    out.urls.insert(url.to_string());
    if let Some(w) = canonical_webhook(url, &host, path) {
        out.webhooks.insert(w);
    }
}

/// The canonical form of a webhook URL, or `None` when `url` is not a complete one.
fn canonical_webhook(url: &str, host: &str, path: &str) -> Option<String> {
    let tok = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    };
    match classify_url(url) {
        UrlKind::DiscordWebhook => {
            let i = path.find("/webhooks/")?;
            let rest = &path[i + "/webhooks/".len()..];
            let (id, rest) = rest.split_once('/')?;
            let token = tok(rest);
            (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && token.len() >= 20)
                .then(|| format!("https://discord.com/api/webhooks/{id}/{token}"))
        }
        UrlKind::TelegramBot => {
            let rest = path.get(4..)?; // after "/bot"
            let (id, secret) = rest.split_once(':')?;
            let secret = tok(secret);
            (id.len() >= 5 && id.bytes().all(|b| b.is_ascii_digit()) && secret.len() >= 30)
                .then(|| format!("https://api.telegram.org/bot{id}:{secret}"))
        }
        UrlKind::SlackWebhook => {
            let p = path.split(['?', '#']).next().unwrap_or("");
            let p = p.trim_end_matches('/');
            (p.matches('/').count() >= 3).then(|| format!("https://{host}{p}"))
        }
        _ => None,
    }
}

fn telegram_tokens_into(text: &str, out: &mut Iocs) {
    let Some(re) = TG_TOKEN_RE.as_ref() else {
        return;
    };
    for m in re.find_iter(text) {
        let next = text[m.end()..].bytes().next();
        if next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            continue;
        }
        out.webhooks
            .insert(format!("https://api.telegram.org/bot{}", m.as_str()));
    }
}

fn emails_into(text: &str, out: &mut Iocs, taken: &mut Vec<Range<usize>>) {
    let Some(re) = EMAIL_RE.as_ref() else { return };
    let mut spans = Vec::new();
    for m in re.find_iter(text) {
        let r = m.range();
        if overlaps(taken, &r) {
            continue;
        }
        let email = m.as_str().to_ascii_lowercase();
        let Some((local, dom)) = email.rsplit_once('@') else {
            continue;
        };
        spans.push(r);
        if !domain::has_real_tld(dom) || domain::is_reserved_domain(dom) || is_benign_domain(dom) {
            continue;
        }
        if local == "git" || local.starts_with('.') || local.ends_with('.') || local.contains("..")
        {
            continue;
        }
        out.emails.insert(email);
    }
    if !spans.is_empty() {
        taken.extend(spans);
        taken.sort_by_key(|t| t.start);
    }
}

/// True for an address in a public range (not private, loopback, link-local,
/// documentation, multicast, CGNAT, benchmarking or reserved; for IPv6 also not Teredo,
/// 6to4 or the retired 6bone range).
fn is_public_ip(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: &Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || o[0] >= 240)
}

fn is_public_v6(ip: &Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(&v4);
    }
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x2001 && s[1] == 0)
        || s[0] == 0x2002
        || s[0] == 0x3ffe
        || s[0] & 0xe000 != 0x2000)
}

/// Does the text around `range` say this dotted number is a version, a file name part
/// or an OID rather than an address?
fn looks_like_version(text: &str, range: &Range<usize>) -> bool {
    let b = text.as_bytes();
    let prev = range.start.checked_sub(1).map(|i| b[i]);
    match prev {
        // 1.2.3.4.5, pkg-1.15.1.6-py3, name_1.2.3.4, Chrome/124.0.0.0 (but not //1.2.3.4)
        Some(b'.' | b'-' | b'_' | b'+') => return true,
        Some(b'/') if range.start < 2 || b[range.start - 2] != b'/' => return true,
        _ => {}
    }
    let after = &b[range.end..];
    match after {
        [b'.', d, ..] if d.is_ascii_digit() => return true,
        [b'-' | b'_', c, ..] if c.is_ascii_alphanumeric() => return true,
        _ => {}
    }
    let before = text[..range.start]
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '"' | '\''));
    let tb = before.as_bytes();
    if tb.ends_with(b"==")
        || tb.ends_with(b">=")
        || tb.ends_with(b"<=")
        || tb.ends_with(b"~=")
        || tb.ends_with(b"!=")
        || matches!(tb.last(), Some(b'@' | b'^' | b'~' | b'<' | b'>'))
    {
        return true;
    }
    // "version 1.2.3.4", "Version: 1.2.3.4", "ver=1.2.3.4", "version = \"1.2.3.4\""
    let before =
        before.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '=' | '"' | '\''));
    let n = before.len();
    let tail = before
        .get(n.saturating_sub(8)..)
        .unwrap_or("")
        .to_ascii_lowercase();
    if tail.ends_with("version") || tail.ends_with("ver") || tail.ends_with(" v") {
        return true;
    }
    // Object identifiers (1.3.6.1..., 1.2.840..., 2.5.4...): X.509 and ASN.1 code.
    let s = &text[range.clone()];
    [
        "1.3.6.",
        "1.3.101.",
        "1.2.840.",
        "2.5.",
        "2.16.840.",
        "1.3.14.",
    ]
    .iter()
    .any(|p| s.starts_with(p))
}

/// Well-known public DNS resolvers: contacted by benign and malicious code alike (a
/// connectivity check), never an indicator by themselves.
const BENIGN_IPS: &[&str] = &[
    "8.8.8.8",
    "8.8.4.4",
    "1.1.1.1",
    "1.0.0.1",
    "9.9.9.9",
    "149.112.112.112",
    "208.67.222.222",
    "208.67.220.220",
    "4.2.2.1",
    "4.2.2.2",
    "4.2.2.3",
    "4.2.2.4",
    "4.2.2.5",
    "4.2.2.6",
    "94.140.14.14",
    "94.140.15.15",
    "185.228.168.168",
    "185.228.169.168",
    "76.76.19.19",
    "2001:4860:4860::8888",
    "2001:4860:4860::8844",
    "2606:4700:4700::1111",
    "2606:4700:4700::1001",
    "2620:fe::fe",
    "2620:fe::9",
];

/// True for a well-known public DNS resolver address (`8.8.8.8`, `1.1.1.1`,
/// `2606:4700:4700::1111` ...), which is not reported as an indicator.
pub fn is_benign_ip(ip: &str) -> bool {
    BENIGN_IPS.contains(&ip.trim())
}

/// Addresses used as placeholders in documentation and tests.
const PLACEHOLDER_IPS: &[&str] = &[
    "1.2.3.4",
    "4.3.2.1",
    "5.6.7.8",
    "8.7.6.5",
    "11.22.33.44",
    "12.34.56.78",
    "123.123.123.123",
    "1.1.1.2",
    "2.2.2.2",
    "3.3.3.3",
    "4.4.4.4",
    "5.5.5.5",
    "6.6.6.6",
    "7.7.7.7",
];

fn ipv4_into(text: &str, out: &mut Iocs, taken: &[Range<usize>]) {
    let Some(re) = IPV4_RE.as_ref() else { return };
    for m in re.find_iter(text) {
        let r = m.range();
        if overlaps(taken, &r) {
            continue;
        }
        let s = m.as_str();
        if looks_like_version(text, &r) || PLACEHOLDER_IPS.contains(&s) {
            continue;
        }
        // Leading zeros make std reject the address; such strings are rarely addresses.
        let Ok(ip) = s.parse::<Ipv4Addr>() else {
            continue;
        };
        // Outside a URL, four small numbers are far more often a version (2.3.4.5,
        // 1.15.1.6) than an address: the range of such addresses is 1/4096 of the space.
        if ip.octets().iter().all(|&o| o < 32) {
            continue;
        }
        let s = ip.to_string();
        if is_public_v4(&ip) && !is_benign_ip(&s) {
            out.ips.insert(s);
        }
    }
}

fn ipv6_into(text: &str, out: &mut Iocs, taken: &[Range<usize>]) {
    let Some(re) = IPV6_RE.as_ref() else { return };
    for m in re.find_iter(text) {
        let r = m.range();
        if overlaps(taken, &r) {
            continue;
        }
        let s = m.as_str();
        // Code such as `a::b` or `std::io` is not an address: demand a digit, at least
        // three groups and a word boundary on both sides.
        let b = text.as_bytes();
        let prev_ok =
            r.start == 0 || !(b[r.start - 1].is_ascii_alphanumeric() || b[r.start - 1] == b':');
        let next_ok = r.end == b.len() || !(b[r.end].is_ascii_alphanumeric() || b[r.end] == b':');
        if !prev_ok || !next_ok || !s.bytes().any(|c| c.is_ascii_digit()) {
            continue;
        }
        if s.split(':').filter(|g| !g.is_empty()).count() < 3 {
            continue;
        }
        if let Ok(ip) = s.parse::<Ipv6Addr>()
            && is_public_v6(&ip)
        {
            let s = match ip.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => ip.to_string(),
            };
            if !is_benign_ip(&s) {
                out.ips.insert(s);
            }
        }
    }
}

fn bare_domains_into(text: &str, out: &mut Iocs, taken: &[Range<usize>], defanged: bool) {
    let Some(re) = DOMAIN_RE.as_ref() else { return };
    let b = text.as_bytes();
    for m in re.find_iter(text) {
        let r = m.range();
        if overlaps(taken, &r) {
            continue;
        }
        let prev = r.start.checked_sub(1).map(|i| b[i]);
        if prev.is_some_and(|c| {
            matches!(
                c,
                b'.' | b'@' | b'/' | b'\\' | b'-' | b'_' | b'$' | b'%' | b'#'
            )
        }) {
            continue;
        }
        let next = b.get(r.end).copied();
        if next.is_some_and(|c| matches!(c, b'(' | b'[' | b'_' | b'-' | b'@')) {
            continue;
        }
        let d = m.as_str();
        // "The whole text" is the whole line: callers often join many string literals
        // with newlines.
        let whole_line = is_whole_line(b, &r);
        if !domain::plausible_bare_domain(d, whole_line, defanged) {
            continue;
        }
        let d = d.to_ascii_lowercase();
        if is_benign_domain(&d) {
            continue;
        }
        out.domains.insert(d);
    }
}

/// True when the line holding `r` holds nothing else than quotes and blanks. Looks at
/// most a few hundred bytes each side, so that long minified lines stay cheap.
fn is_whole_line(b: &[u8], r: &Range<usize>) -> bool {
    const WINDOW: usize = 64;
    let lo = r.start.saturating_sub(WINDOW);
    let before = &b[lo..r.start];
    let start = match memchr::memrchr(b'\n', before) {
        Some(i) => lo + i + 1,
        None if lo == 0 => 0,
        None => return false,
    };
    let hi = (r.end + WINDOW).min(b.len());
    let after = &b[r.end..hi];
    let end = match memchr(b'\n', after) {
        Some(i) => r.end + i,
        None if hi == b.len() => b.len(),
        None => return false,
    };
    let filler = |c: &u8| c.is_ascii_whitespace() || matches!(c, b'"' | b'\'' | b'`');
    b[start..r.start].iter().all(filler) && b[r.end..end].iter().all(filler)
}

fn wallets_into(text: &str, out: &mut Iocs) {
    if let Some(re) = B58_RE.as_ref() {
        for m in re.find_iter(text) {
            if wallet::is_base58check_address(m.as_str()) {
                out.wallets.insert(m.as_str().to_string());
            }
        }
    }
    if let Some(re) = BECH32_RE.as_ref() {
        for m in re.find_iter(text) {
            if wallet::is_bech32_address(m.as_str()) {
                out.wallets.insert(m.as_str().to_ascii_lowercase());
            }
        }
    }
    if let Some(re) = ETH_RE.as_ref() {
        for m in re.find_iter(text) {
            if wallet::is_eth_address(m.as_str()) {
                out.wallets.insert(m.as_str().to_ascii_lowercase());
            }
        }
    }
    if let Some(re) = XMR_RE.as_ref() {
        for m in re.find_iter(text) {
            if wallet::is_monero_address(m.as_str()) {
                out.wallets.insert(m.as_str().to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests;
