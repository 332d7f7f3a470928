//! Adapters over the sibling crates (indicators, URL kinds).

use malgraph_ioc::UrlKind;

/// URL-based rules for the URLs inside one string: (rule id, url, message).
pub(crate) fn url_rules(s: &str) -> Vec<(&'static str, String, String)> {
    let iocs = malgraph_ioc::extract(s);
    let mut out = Vec::new();
    for u in iocs.urls.iter().chain(iocs.webhooks.iter()) {
        let kind = malgraph_ioc::classify_url(u);
        let rule = match kind {
            UrlKind::DiscordWebhook | UrlKind::TelegramBot | UrlKind::SlackWebhook => {
                "EXFIL-WEBHOOK"
            }
            UrlKind::PasteSite | UrlKind::FileSharing | UrlKind::RequestCatcher => "EXFIL-PASTE",
            UrlKind::Tunnel | UrlKind::IpHost => "NET-SUSPICIOUS-HOST",
            _ => continue,
        };
        if out
            .iter()
            .any(|(r, _, _): &(&str, String, String)| *r == rule)
        {
            continue;
        }
        out.push((rule, u.clone(), format!("{} URL {u}", kind.as_str())));
    }
    out
}
