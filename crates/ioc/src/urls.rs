//! URL classification and clean-up.

use std::net::IpAddr;

/// What a URL points at, as far as malware analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UrlKind {
    /// `discord(app).com/api/webhooks/...`: exfiltration to a Discord channel.
    DiscordWebhook,
    /// `api.telegram.org/bot...`: exfiltration through a Telegram bot.
    TelegramBot,
    /// `hooks.slack.com/...`: exfiltration to a Slack channel.
    SlackWebhook,
    /// Paste sites (`pastebin.com`, `paste.ee`, `rentry.co` ...): staged payloads or exfil.
    PasteSite,
    /// Anonymous file sharing (`transfer.sh`, `anonfiles`, `gofile.io`, Discord's
    /// attachment CDN ...): staged payloads or exfil.
    FileSharing,
    /// Tunnels to a machine behind NAT (`ngrok`, `serveo`, `trycloudflare`, `localtunnel`).
    Tunnel,
    /// Request catchers and out-of-band interaction services (`webhook.site`,
    /// `pipedream.net`, `interact.sh`, Burp Collaborator): typical of dependency-confusion
    /// probes and exfil.
    RequestCatcher,
    /// The host is an IP address literal.
    IpHost,
    /// Raw code hosting (`raw.githubusercontent.com`, `gist.github.com`, `/raw/` paths).
    RawCode,
    /// Anything else.
    Generic,
}

impl UrlKind {
    /// Short stable name (`discord-webhook`, `paste-site` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            UrlKind::DiscordWebhook => "discord-webhook",
            UrlKind::TelegramBot => "telegram-bot",
            UrlKind::SlackWebhook => "slack-webhook",
            UrlKind::PasteSite => "paste-site",
            UrlKind::FileSharing => "file-sharing",
            UrlKind::Tunnel => "tunnel",
            UrlKind::RequestCatcher => "request-catcher",
            UrlKind::IpHost => "ip-host",
            UrlKind::RawCode => "raw-code",
            UrlKind::Generic => "generic",
        }
    }
}

impl std::fmt::Display for UrlKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const PASTE: &[&str] = &[
    "pastebin.com",
    "pastebin.pl",
    "paste.ee",
    "hastebin.com",
    "hastebin.skyra.pw",
    "ghostbin.com",
    "ghostbin.co",
    "rentry.co",
    "rentry.org",
    "controlc.com",
    "justpaste.it",
    "paste.rs",
    "dpaste.com",
    "dpaste.org",
    "termbin.com",
    "pastie.org",
    "privatebin.net",
    "0bin.net",
    "ix.io",
    "sprunge.us",
    "bpa.st",
    "paste.gg",
    "pastes.dev",
    "pastelink.net",
    "textbin.net",
    "pastecode.io",
    "hst.sh",
    "paste.centos.org",
    "ideone.com",
    "jsfiddle.net",
];

const FILE_SHARING: &[&str] = &[
    "transfer.sh",
    "anonfiles.com",
    "anonfile.com",
    "anonymfile.com",
    "bayfiles.com",
    "file.io",
    "gofile.io",
    "mega.nz",
    "mega.co.nz",
    "mega.io",
    "mediafire.com",
    "dropbox.com",
    "dropboxusercontent.com",
    "drive.google.com",
    "drive.usercontent.google.com",
    "docs.google.com",
    "sendspace.com",
    "wetransfer.com",
    "we.tl",
    "filebin.net",
    "catbox.moe",
    "temp.sh",
    "bashupload.com",
    "oshi.at",
    "uguu.se",
    "pixeldrain.com",
    "onedrive.live.com",
    "1drv.ms",
    "cdn.discordapp.com",
    "media.discordapp.net",
    "filetransfer.io",
    "tmpfiles.org",
    "ufile.io",
    "zippyshare.com",
    "files.fm",
    "send.cm",
    "krakenfiles.com",
    "workupload.com",
    "easyupload.io",
    "0x0.st",
    "storage.googleapis.com",
    "firebasestorage.googleapis.com",
];

const TUNNEL: &[&str] = &[
    "ngrok.io",
    "ngrok.app",
    "ngrok.dev",
    "ngrok-free.app",
    "ngrok-free.dev",
    "ngrok.com",
    "serveo.net",
    "serveousercontent.com",
    "trycloudflare.com",
    "localhost.run",
    "lhr.life",
    "lhr.rocks",
    "loca.lt",
    "localtunnel.me",
    "pagekite.me",
    "telebit.cloud",
    "portmap.io",
    "portmap.host",
    "playit.gg",
    "bore.pub",
    "tunnelmole.net",
    "loclx.io",
    "localxpose.io",
    "pinggy.io",
    "pinggy.link",
    "pinggy.online",
    "devtunnels.ms",
    "localto.net",
    "ply.gg",
];

const REQUEST_CATCHER: &[&str] = &[
    "webhook.site",
    "pipedream.net",
    "requestbin.com",
    "requestbin.net",
    "requestcatcher.com",
    "beeceptor.com",
    "burpcollaborator.net",
    "oastify.com",
    "interact.sh",
    "oast.fun",
    "oast.pro",
    "oast.live",
    "oast.site",
    "oast.online",
    "oast.me",
    "canarytokens.com",
    "dnslog.cn",
    "ceye.io",
    "hookbin.com",
    "ptsv2.com",
    "ptsv3.com",
    "mockbin.org",
    "requestinspector.com",
];

const RAW_CODE: &[&str] = &[
    "raw.githubusercontent.com",
    "gist.githubusercontent.com",
    "gist.github.com",
    "raw.githack.com",
    "rawcdn.githack.com",
    "rawgit.com",
    "cdn.rawgit.com",
    "objects.githubusercontent.com",
    "codeload.github.com",
];

/// True when `host` is `d` or a sub-domain of `d`.
fn under(host: &str, d: &str) -> bool {
    host == d
        || (host.len() > d.len()
            && host.ends_with(d)
            && host.as_bytes()[host.len() - d.len() - 1] == b'.')
}

fn any_under(host: &str, list: &[&str]) -> bool {
    list.iter().any(|d| under(host, d))
}

/// Host (lower case, without port, userinfo or brackets) and the rest (path, query,
/// fragment) of a URL, by hand so that it also works on URLs the `url` crate rejects.
pub(crate) fn split_url(url: &str) -> Option<(String, &str)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(h) = hostport.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        hostport.split(':').next().unwrap_or("")
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        None
    } else {
        Some((host, path))
    }
}

/// Classify a URL (absolute, with or without scheme) by what it points at. Never fails:
/// anything unrecognised is [`UrlKind::Generic`].
pub fn classify_url(url: &str) -> UrlKind {
    let url = url.trim();
    let Some((host, path)) = split_url(url) else {
        return UrlKind::Generic;
    };
    let lpath = path.to_ascii_lowercase();
    if (under(&host, "discord.com") || under(&host, "discordapp.com"))
        && is_discord_webhook_path(&lpath)
    {
        return UrlKind::DiscordWebhook;
    }
    if host == "api.telegram.org" && lpath.starts_with("/bot") {
        return UrlKind::TelegramBot;
    }
    if host == "hooks.slack.com" {
        return UrlKind::SlackWebhook;
    }
    if host.parse::<IpAddr>().is_ok() {
        return UrlKind::IpHost;
    }
    if any_under(&host, PASTE) || (host.ends_with("toptal.com") && lpath.contains("hastebin")) {
        return UrlKind::PasteSite;
    }
    if any_under(&host, TUNNEL) {
        return UrlKind::Tunnel;
    }
    if any_under(&host, REQUEST_CATCHER) {
        return UrlKind::RequestCatcher;
    }
    if any_under(&host, FILE_SHARING) {
        return UrlKind::FileSharing;
    }
    if any_under(&host, RAW_CODE)
        || ((host == "github.com" || host == "gitlab.com" || host == "bitbucket.org")
            && (lpath.contains("/raw/") || lpath.contains("/-/raw/")))
        || (under(&host, "jsdelivr.net") && lpath.starts_with("/gh/"))
    {
        return UrlKind::RawCode;
    }
    UrlKind::Generic
}

/// Hosts of the package registries themselves (npm's, Yarn's and its mirrors', PyPI's).
const PACKAGE_REGISTRY: &[&str] = &[
    "registry.npmjs.org",
    "registry.yarnpkg.com",
    "registry.npmmirror.com",
    "registry.npm.taobao.org",
    "pypi.org",
    "pypi.python.org",
    "files.pythonhosted.org",
];

/// True when `url` is served by a package registry (`https://registry.npmjs.org/pkg/-/pkg-1.0.0.tgz`):
/// fetching from it is what package managers and binary installers do, not staging a
/// payload on a host of one's own. Templates keep their placeholders
/// (`https://registry.npmjs.org/${pkg}/...`); the host must be literal.
pub fn is_package_registry_url(url: &str) -> bool {
    let url = url.trim();
    url.contains("://")
        && split_url(url).is_some_and(|(host, _)| any_under(&host, PACKAGE_REGISTRY))
}

/// File extensions of programs and scripts Windows runs when started or opened.
const EXECUTABLE_EXT: &[&str] = &[
    "exe", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "hta", "dll", "jar", "lnk",
];

/// True when `url` names a program or script (`.exe`, `.scr`, `.bat`, `.ps1` ...) kept on an
/// anonymous file-sharing or paste host, a tunnel or a raw IP address
/// (`https://cdn.discordapp.com/attachments/1/2/Setup.exe?ex=..`): where droppers stage
/// their payload. Software vendors serve their installers from their own domains or
/// release pages, which this never matches.
pub fn is_staged_executable_url(url: &str) -> bool {
    let url = url.trim();
    if !matches!(
        classify_url(url),
        UrlKind::FileSharing | UrlKind::PasteSite | UrlKind::Tunnel | UrlKind::IpHost
    ) {
        return false;
    }
    let Some((_, path)) = split_url(url) else {
        return false;
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    last.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && EXECUTABLE_EXT.iter().any(|e| ext.eq_ignore_ascii_case(e))
    })
}

/// `/api/webhooks/ID/...` or `/api/vN/webhooks/ID/...`.
fn is_discord_webhook_path(lpath: &str) -> bool {
    let Some(rest) = lpath.strip_prefix("/api/") else {
        return false;
    };
    let rest = match rest.split_once('/') {
        Some((v, r))
            if v.len() > 1 && v.starts_with('v') && v[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            r
        }
        _ => rest,
    };
    rest.starts_with("webhooks/")
}

/// Split URLs glued together (`https://a.com/xhttps://b.com/y`, common in obfuscated
/// or concatenated strings) into pieces, each with its byte offset in `s`.
pub(crate) fn split_concatenated(s: &str) -> Vec<(usize, &str)> {
    const SCHEMES: &[&str] = &["https", "http", "ftps", "ftp", "sftp", "wss", "ws"];
    let mut cuts = vec![0];
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("://").map(|i| from + i) {
        if i > 0
            && let Some(sch) = SCHEMES.iter().find(|sch| lower[..i].ends_with(*sch))
        {
            let start = i - sch.len();
            if start > *cuts.last().unwrap_or(&0) {
                cuts.push(start);
            }
        }
        from = i + 3;
    }
    cuts.push(s.len());
    cuts.windows(2)
        .filter_map(|w| s.get(w[0]..w[1]).map(|p| (w[0], p)))
        .collect()
}

/// Remove punctuation that ends a sentence or closes a quote or bracket around a URL
/// (`(see http://x.com/a).` -> `http://x.com/a`); a closing bracket that the URL itself
/// opened is kept (`https://en.wikipedia.org/wiki/Foo_(bar)`).
pub(crate) fn trim_url(mut s: &str) -> &str {
    loop {
        let Some(last) = s.chars().last() else {
            return s;
        };
        let cut = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '`' | '>' | '*' | '\\' => true,
            ')' => s.matches('(').count() < s.matches(')').count(),
            ']' => s.matches('[').count() < s.matches(']').count(),
            '}' => s.matches('{').count() < s.matches('}').count(),
            _ => false,
        };
        if !cut {
            return s;
        }
        s = &s[..s.len() - last.len_utf8()];
    }
}

/// File extensions that make a URL on benign infrastructure worth keeping (a payload
/// downloaded from a GitHub release is still an indicator).
const PAYLOAD_EXT: &[&str] = &[
    ".exe",
    ".dll",
    ".scr",
    ".msi",
    ".bat",
    ".cmd",
    ".ps1",
    ".vbs",
    ".js",
    ".jar",
    ".sh",
    ".py",
    ".pyc",
    ".so",
    ".dylib",
    ".bin",
    ".elf",
    ".apk",
    ".zip",
    ".7z",
    ".rar",
    ".tar",
    ".gz",
    ".tgz",
    ".xz",
    ".lnk",
    ".hta",
    ".appimage",
    ".deb",
    ".rpm",
    ".pkg",
    ".dmg",
];

/// Benign hosts that still serve files uploaded by anyone (release assets, raw files):
/// a payload-looking URL there is kept.
pub(crate) fn hosts_user_content(host: &str) -> bool {
    matches!(
        host,
        "github.com"
            | "www.github.com"
            | "gitlab.com"
            | "www.gitlab.com"
            | "bitbucket.org"
            | "www.bitbucket.org"
    )
}

/// True when the path of a URL looks like a file download or raw code.
pub(crate) fn looks_like_payload(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    let p = p.split(['?', '#']).next().unwrap_or("");
    p.contains("/releases/download/")
        || p.contains("/raw/")
        || PAYLOAD_EXT.iter().any(|e| p.ends_with(e))
}
