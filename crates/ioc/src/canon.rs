//! Canonical URLs: one spelling per page, so the same report cited in different ways is one
//! report.

use crate::urls::split_url;

/// Host of a URL: lower case, without userinfo, port, brackets or a trailing dot. `None`
/// when there is no host. Works on URLs without a scheme (`example.com/a`) too.
pub fn url_host(url: &str) -> Option<String> {
    split_url(url.trim()).map(|(host, _)| host)
}

/// Query parameters that track the reader and never change the page.
fn is_tracking_param(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_") || matches!(k.as_str(), "fbclid" | "gclid" | "ref" | "source" | "sk")
}

/// Canonical form of a page URL (a security report, an advisory reference): scheme `https`
/// (`http` becomes `https`, other schemes are kept), host as [`url_host`] gives it without
/// `www.`, no fragment, no trailing `/`, no tracking query parameters (`utm_*`, `fbclid`,
/// `gclid`, `ref`, `source`, `sk`), the other parameters kept in order. medium.com posts
/// (`medium.com/@user/slug-<id>`, `medium.com/<publication>/slug-<id>`,
/// `<publication>.medium.com/slug-<id>`) become `https://medium.com/p/<id>`, the one page
/// they all are. Text without `://` is returned trimmed, without a trailing `/` or fragment.
///
/// Never fails; the same page always gives the same string, so it can serve as an identity.
pub fn canonical_url(u: &str) -> String {
    let u = u.trim();
    let u = u.split('#').next().unwrap_or(u);
    let Some((scheme, rest)) = u.split_once("://") else {
        return u.trim_end_matches('/').to_string();
    };
    let scheme = match scheme.to_ascii_lowercase() {
        s if s == "http" => "https".to_string(),
        s => s,
    };
    let Some((host, path)) = split_url(rest) else {
        return format!("{scheme}://{}", rest.trim_end_matches('/'));
    };
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path, ""),
    };
    let path = path.trim_end_matches('/');
    if host == "medium.com" || host.ends_with(".medium.com") {
        let last = path.rsplit('/').next().unwrap_or("");
        let id = last.rsplit('-').next().unwrap_or("");
        if (8..=16).contains(&id.len()) && id.bytes().all(|c| c.is_ascii_hexdigit()) {
            return format!("https://medium.com/p/{}", id.to_ascii_lowercase());
        }
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !is_tracking_param(kv.split('=').next().unwrap_or("")))
        .collect();
    if kept.is_empty() {
        format!("{scheme}://{host}{path}")
    } else {
        format!("{scheme}://{host}{path}?{}", kept.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://User@WWW.Example.com:8443/a?b#c").as_deref(),
            Some("www.example.com")
        );
        assert_eq!(
            url_host("http://[2001:db8::1]/x").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(url_host("example.org/a").as_deref(), Some("example.org"));
        assert_eq!(url_host("https:///nohost"), None);
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(
            canonical_url("http://WWW.Example.com/a/#frag"),
            "https://example.com/a"
        );
        assert_eq!(
            canonical_url(" https://example.com/a/?utm_source=x&id=3&utm_medium=y&FBCLID=1 "),
            "https://example.com/a?id=3"
        );
        assert_eq!(
            canonical_url("https://example.com?id=3"),
            "https://example.com?id=3"
        );
        assert_eq!(canonical_url("https://x.com:443/"), "https://x.com");
        assert_eq!(
            canonical_url("ftp://Files.Example.com/a/"),
            "ftp://files.example.com/a"
        );
        assert_eq!(canonical_url("not a url/"), "not a url");
        assert_eq!(canonical_url("https://"), "https://");
    }

    #[test]
    fn medium_posts_are_one_page() {
        let id = "https://medium.com/p/05a04b7e058a";
        for u in [
            "https://medium.com/@someone/fake-python-infra-05a04b7e058a",
            "https://medium.com/checkmarx-security/fake-python-infra-05a04b7e058a/",
            "https://checkmarx.medium.com/fake-python-infra-05a04b7e058a?source=rss",
        ] {
            assert_eq!(canonical_url(u), id, "{u}");
        }
        assert_ne!(
            canonical_url("https://medium.com/checkmarx-security/a-05a04b7e058a"),
            canonical_url("https://medium.com/checkmarx-security/b-15a04b7e058a")
        );
        // not a post id: left as it is
        assert_eq!(
            canonical_url("https://medium.com/checkmarx-security/about"),
            "https://medium.com/checkmarx-security/about"
        );
    }
}
