//! The rule registry: every rule the analyser can emit, in one table, and the scoring.
//!
//! # Scoring
//!
//! Each finding weighs its rule's severity weight ([`severity_weight`]: info 0, low 1,
//! medium 3, high 6, critical 12) times a *factor* that says how sure it is to run:
//!
//! | where the code is | factor |
//! | --- | --- |
//! | install stage (`setup.py` top level and the functions it calls, `cmdclass` commands, npm install scripts) | 1.0 |
//! | import stage (`__init__.py` / `.pth` top level, modules they import) | 1.0 |
//! | top level of other modules | 0.8 |
//! | function bodies not reachable from the top level (runtime) | 0.6 |
//! | tests/, docs/, examples/, `test_*.py` (unless setup.py or `__init__` imports them) | × 0.25 |
//!
//! Per rule, only the two heaviest findings count: the first fully, the second half
//! (so a hundred `subprocess` calls weigh like one and a half). Findings that do not
//! count say `[+0]` in their message; the others say `[+w]`, and the package score is
//! the sum of those numbers. Strong behaviours (decode + exec, download + exec, sending
//! host data, reverse shells, miners, Run keys) are critical on their own, so one of
//! them at install or import time reaches [`THRESHOLD_MALICIOUS`].
//!
//! Verdict: malicious at [`THRESHOLD_MALICIOUS`] or more *and* at least one finding
//! weighing [`MIN_STRONGEST_MALICIOUS`] or more (a high-severity behaviour at install or
//! import time, or a critical one anywhere) or several high-severity behaviours (three
//! rules, or two categories), so that many weak run-time signals of a
//! large benign tool never add up to malicious; suspicious at [`THRESHOLD_SUSPICIOUS`]
//! or more; else benign.
//!
//! # YARA
//!
//! Hits of the user's YARA rules become findings `yara:<RuleName>`. Their category is
//! the rule's `category` metadata parsed with [`Category::parse`] (kebab-case names such
//! as `command-execution`), defaulting to [`Category::Evasion`] for rules without one
//! (YARA rules mostly describe code shapes and packers); severity is the `severity`
//! metadata, defaulting to high; the stage is not known (`None`) and the factor is 1.

use malgraph_core::{Category, Evasion, Severity};

/// Score at or above which a package is malicious.
pub const THRESHOLD_MALICIOUS: f64 = 10.0;
/// Weight the heaviest finding of a malicious package must reach (see the verdict rules).
pub const MIN_STRONGEST_MALICIOUS: f64 = 5.0;
/// Score at or above which a package is suspicious.
pub const THRESHOLD_SUSPICIOUS: f64 = 4.0;

/// Weight of one finding of a severity, before its stage factor.
pub fn severity_weight(s: Severity) -> f64 {
    match s {
        Severity::Info => 0.0,
        Severity::Low => 1.0,
        Severity::Medium => 3.0,
        Severity::High => 6.0,
        Severity::Critical => 12.0,
    }
}

/// Metadata of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable id, e.g. `PY-CMD-EXEC`.
    pub id: &'static str,
    /// Behaviour category of its findings.
    pub category: Category,
    /// How much a finding weighs.
    pub severity: Severity,
    /// Anti-detection technique its findings show, if any.
    pub evasion: Option<Evasion>,
    /// One line: what it matches.
    pub summary: &'static str,
    /// Why it matters, and what a benign package would do instead.
    pub explanation: &'static str,
}

static RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "PY-CMD-EXEC",
        category: Category::CommandExecution,
        severity: Severity::Low,
        evasion: None,
        summary: "Runs a shell command or program (os.system, subprocess, pty.spawn, os.exec*).",
        explanation: "Running commands is common in build tooling (git, compilers), so on its own this weighs little; what the command does (see CMD-*) and when it runs (install time) decide.",
    },
    RuleInfo {
        id: "CMD-DOWNLOADER",
        category: Category::DownloadExecute,
        severity: Severity::High,
        evasion: None,
        summary: "A shell command downloads something (curl, wget, Invoke-WebRequest, certutil, bitsadmin).",
        explanation: "Installers and libraries fetch data with Python APIs and declare dependencies; shelling out to a downloader is how droppers fetch their second stage.",
    },
    RuleInfo {
        id: "CMD-SUSPICIOUS",
        category: Category::CommandExecution,
        severity: Severity::High,
        evasion: None,
        summary: "A command runs a shell, script host or binary the way droppers do (PowerShell, cmd /c, mshta, /dev/tcp, base64 -d, chmod +x, .exe), or is itself decoded or downloaded.",
        explanation: "Build steps call compilers and VCS tools; hidden PowerShell, script hosts and freshly decoded commands are the signature of droppers.",
    },
    RuleInfo {
        id: "CMD-INDIRECT-IMPORT",
        category: Category::CodeExecution,
        severity: Severity::Medium,
        evasion: Some(Evasion::IndirectImport),
        summary: "A subprocess runs `python -c` or `pip install` (loads another package out of sight).",
        explanation: "The study's indirect-import technique: the visible package is clean and pulls or imports the malicious one; benign packages declare dependencies instead.",
    },
    RuleInfo {
        id: "CMD-AI-AGENT",
        category: Category::CommandExecution,
        severity: Severity::High,
        evasion: None,
        summary: "Runs an AI coding agent (Claude Code, Gemini CLI, Amazon Q...) with its permission checks turned off.",
        explanation: "A package has no reason to drive the user's AI assistant unattended; the s1ngularity / Nx compromise (2025) had the agents search the disk for wallets and keys with such flags.",
    },
    RuleInfo {
        id: "CMD-STAGED-EXEC",
        category: Category::DownloadExecute,
        severity: Severity::Critical,
        evasion: None,
        summary: "A command pipes data into an interpreter (`| sh`, `| python`, `iex`) or runs hidden or encoded PowerShell.",
        explanation: "Piping fetched or decoded data into a shell runs code nobody reviewed; build steps run files they ship.",
    },
    RuleInfo {
        id: "PY-DROP-DECODED-EXEC",
        category: Category::CodeExecution,
        severity: Severity::Critical,
        evasion: Some(Evasion::Obfuscation),
        summary: "Writes decoded data to disk and runs a program in the same function.",
        explanation: "Dropping a decoded payload and launching it is a dropper; packages ship their files readable.",
    },
    RuleInfo {
        id: "PY-EMBEDDED-PE",
        category: Category::Packaging,
        severity: Severity::High,
        evasion: Some(Evasion::Obfuscation),
        summary: "A string literal holds an encoded Windows executable (base64 or hex of an MZ header).",
        explanation: "Executables smuggled inside source files are payloads; packages ship binaries as files, if at all.",
    },
    RuleInfo {
        id: "PY-NET-AT-INSTALL",
        category: Category::Network,
        severity: Severity::High,
        evasion: None,
        summary: "Network access while the package is installed or imported (setup.py, install commands, top level of __init__.py).",
        explanation: "Installing and importing should only build, copy and define things; phoning home or fetching code at that moment is how most malicious packages act.",
    },
    RuleInfo {
        id: "CMD-REVERSE-SHELL",
        category: Category::RemoteControl,
        severity: Severity::Critical,
        evasion: None,
        summary: "A command opens a reverse shell (/dev/tcp, nc -e, bash -i, socat exec).",
        explanation: "Connecting a shell to a remote host hands the machine to an attacker; nothing legitimate ships it.",
    },
    RuleInfo {
        id: "CMD-DECODED",
        category: Category::CommandExecution,
        severity: Severity::Critical,
        evasion: Some(Evasion::Obfuscation),
        summary: "Runs a shell command that is decoded or downloaded at run time.",
        explanation: "Encoding the command line hides what runs from reviewers; build steps spell their commands out.",
    },
    RuleInfo {
        id: "EXFIL-WEBHOOK-SEND",
        category: Category::Exfiltration,
        severity: Severity::Critical,
        evasion: None,
        summary: "Sends a request to a Discord/Telegram/Slack webhook.",
        explanation: "Posting to a hard-coded chat webhook is the usual exfiltration channel of stealers.",
    },
    RuleInfo {
        id: "EXFIL-BEACON",
        category: Category::Exfiltration,
        severity: Severity::High,
        evasion: None,
        summary: "Collects host identity and uses the network in the same file at install or import time.",
        explanation: "Dependency-confusion probes report where they were installed; benign installers do not look up the user and host to talk to a server.",
    },
    RuleInfo {
        id: "INSTALL-FETCH-RUN",
        category: Category::DownloadExecute,
        severity: Severity::High,
        evasion: None,
        summary: "Uses the network and runs commands in the same file while installing.",
        explanation: "Fetch-then-run at install time is how droppers stage payloads; builds compile what the sdist ships.",
    },
    RuleInfo {
        id: "PY-CMD-STARTFILE",
        category: Category::CommandExecution,
        severity: Severity::Medium,
        evasion: None,
        summary: "Opens a file with the Windows shell (os.startfile, ShellExecute).",
        explanation: "Launching a file through the shell is how droppers start a downloaded executable; libraries rarely need it.",
    },
    RuleInfo {
        id: "PY-EXEC-DECODED",
        category: Category::CodeExecution,
        severity: Severity::Critical,
        evasion: Some(Evasion::Obfuscation),
        summary: "exec/eval/compile of data decoded at run time (base64, hex, zlib, rot13, reversed or chr-built strings).",
        explanation: "Hiding source behind encodings so that reviewers and scanners see only a blob is obfuscation; benign code imports its modules instead.",
    },
    RuleInfo {
        id: "PY-EXEC-DOWNLOADED",
        category: Category::DownloadExecute,
        severity: Severity::Critical,
        evasion: Some(Evasion::ExternalPayload),
        summary: "exec/eval of code fetched from the network.",
        explanation: "Running code fetched at run time means the package's real behaviour is not in the package; benign packages ship their code.",
    },
    RuleInfo {
        id: "PY-EXEC-DYNAMIC",
        category: Category::CodeExecution,
        severity: Severity::Low,
        evasion: None,
        summary: "exec/eval/compile of code built at run time from data of unknown origin.",
        explanation: "Plugin systems and templating do this; on its own it is a weak hint, but it is where hidden payloads end up.",
    },
    RuleInfo {
        id: "PY-EXEC-MARSHAL",
        category: Category::CodeExecution,
        severity: Severity::High,
        evasion: Some(Evasion::Obfuscation),
        summary: "Loads marshalled bytecode (marshal.loads).",
        explanation: "Shipping bytecode instead of source hides behaviour from review; benign packages ship .py files.",
    },
    RuleInfo {
        id: "PY-EVASION-BUILTINS",
        // The execution itself is reported by the exec / command rules; this is the disguise.
        category: Category::Evasion,
        severity: Severity::High,
        evasion: Some(Evasion::BuiltinsEscape),
        summary: "Reaches exec/eval/system through the builtins module (`__import__('builtins').exec`, `getattr(__builtins__, 'exec')`).",
        explanation: "Going through `builtins` defeats scanners that look for bare `exec(`; ordinary code just calls exec.",
    },
    RuleInfo {
        id: "PY-STEGO-EXEC",
        category: Category::CodeExecution,
        severity: Severity::Critical,
        evasion: Some(Evasion::ImageSteganography),
        summary: "exec of data revealed from an image.",
        explanation: "Hiding code in pixels (steganography) has no benign use in a package.",
    },
    RuleInfo {
        id: "PY-RC-SOCKET-COMMAND",
        category: Category::RemoteControl,
        severity: Severity::High,
        evasion: None,
        summary: "Runs commands or code received over a socket.",
        explanation: "A connect/recv/execute loop is a backdoor; network services in libraries do not execute what they receive.",
    },
    RuleInfo {
        id: "PY-RC-CHAT-COMMAND",
        category: Category::RemoteControl,
        severity: Severity::Critical,
        evasion: None,
        summary: "A chat-bot handler (Discord, Telegram...) runs the command or code in the message it receives.",
        explanation: "A chat bot as command channel is a remote-access tool; started at import, every installer hands over the machine.",
    },
    RuleInfo {
        id: "PY-RC-REVERSE-SHELL",
        category: Category::RemoteControl,
        severity: Severity::Critical,
        evasion: None,
        summary: "Reverse shell: socket connect, os.dup2 of its descriptors, and a shell.",
        explanation: "Wiring a socket to a shell's standard streams gives a remote attacker a shell; it has no place in a package.",
    },
    RuleInfo {
        id: "PKG-PYC-ONLY",
        category: Category::Packaging,
        severity: Severity::Medium,
        evasion: Some(Evasion::Obfuscation),
        summary: "Ships compiled Python bytecode (.pyc) without its source.",
        explanation: "Bytecode hides the code from review and from source scanners; packages ship sources and let the interpreter compile them.",
    },
    RuleInfo {
        id: "PY-LOAD-BYTECODE",
        category: Category::CodeExecution,
        severity: Severity::High,
        evasion: Some(Evasion::Obfuscation),
        summary: "Loads a module from a .pyc file (importlib sourceless loader).",
        explanation: "Importing shipped bytecode by path runs code that has no readable source; normal imports find sources by name.",
    },
    RuleInfo {
        id: "STEAL-CLIPPER",
        category: Category::InformationStealing,
        severity: Severity::Critical,
        evasion: None,
        summary: "Puts a hard-coded cryptocurrency address on the clipboard (a clipper).",
        explanation: "Clippers watch the clipboard and swap a copied wallet address for the attacker's; a library has no reason to write its own wallet address over what the user copied.",
    },
    RuleInfo {
        id: "PY-SHELLCODE",
        category: Category::CodeExecution,
        severity: Severity::Critical,
        evasion: None,
        summary: "Allocates executable memory and starts native code in it (VirtualAlloc + CreateThread, mmap PROT_EXEC + CFUNCTYPE).",
        explanation: "A shellcode loader runs machine code no scanner of Python source can read; libraries call native code through extension modules, not raw memory.",
    },
    RuleInfo {
        id: "DL-WRITE-EXEC",
        category: Category::DownloadExecute,
        severity: Severity::Critical,
        evasion: Some(Evasion::ExternalPayload),
        summary: "Downloads a file and runs a program in the same code.",
        explanation: "Drop-and-run is the classic dropper; packages that need binaries ship them or build them.",
    },
    RuleInfo {
        id: "PY-NET-REQUEST",
        category: Category::Network,
        severity: Severity::Low,
        evasion: None,
        summary: "Network access (HTTP clients, sockets, DNS, SMTP, FTP).",
        explanation: "Many libraries talk to the network at run time; at install or import time it deserves a look.",
    },
    RuleInfo {
        id: "PY-NET-MULTI-STAGE",
        category: Category::Network,
        severity: Severity::Medium,
        evasion: Some(Evasion::MultiStageRequest),
        summary: "Requests a URL that came out of another response.",
        explanation: "Multi-stage requests let attackers swap payloads without republishing; benign clients use fixed endpoints.",
    },
    RuleInfo {
        id: "NET-SUSPICIOUS-HOST",
        category: Category::Network,
        severity: Severity::Medium,
        evasion: None,
        summary: "A URL to a raw IP address or a tunnel service (ngrok, trycloudflare...).",
        explanation: "Legitimate services have domain names; raw IPs and tunnels point at attacker machines.",
    },
    RuleInfo {
        id: "EXFIL-WEBHOOK",
        category: Category::Exfiltration,
        severity: Severity::High,
        evasion: None,
        summary: "A Discord, Telegram or Slack webhook URL.",
        explanation: "Webhooks are the cheapest exfiltration channel for stolen tokens and host data; libraries rarely hard-code one.",
    },
    RuleInfo {
        id: "EXFIL-PASTE",
        category: Category::Exfiltration,
        severity: Severity::Medium,
        evasion: None,
        summary: "A paste site, anonymous file sharing or request-catcher URL.",
        explanation: "Used to stage payloads and to collect dependency-confusion callbacks; packages host their data elsewhere.",
    },
    RuleInfo {
        id: "EXFIL-SEND-COLLECTED",
        category: Category::Exfiltration,
        severity: Severity::Critical,
        evasion: None,
        summary: "Sends host identity or the environment over the network (data flows from getuser/gethostname/os.environ into a request).",
        explanation: "Dependency-confusion probes and stealers phone home with who and where they run; benign packages do not report the user's identity.",
    },
    RuleInfo {
        id: "EXFIL-DNS",
        category: Category::Exfiltration,
        severity: Severity::High,
        evasion: None,
        summary: "Resolves a host name built from collected or encoded data.",
        explanation: "DNS lookups of computed names smuggle data past firewalls; benign code resolves fixed names.",
    },
    RuleInfo {
        id: "PY-STEAL-HOSTINFO",
        category: Category::InformationStealing,
        severity: Severity::Low,
        evasion: None,
        summary: "Collects host identity (getpass.getuser, socket.gethostname, platform.node, os.uname).",
        explanation: "Common for logging and caches; it matters when it is sent somewhere (EXFIL-SEND-COLLECTED).",
    },
    RuleInfo {
        id: "PY-STEAL-SPY",
        category: Category::InformationStealing,
        severity: Severity::Medium,
        evasion: None,
        summary: "Reads the clipboard, takes screenshots or hooks the keyboard.",
        explanation: "Spyware behaviour; GUI automation tools do this too, but rarely libraries installed from PyPI.",
    },
    RuleInfo {
        id: "STEAL-BROWSER",
        category: Category::InformationStealing,
        severity: Severity::High,
        evasion: None,
        summary: "Names browser credential or cookie stores (Login Data, cookies.sqlite, CryptUnprotectData).",
        explanation: "Reading other programs' secret stores is what stealers do; no library needs the user's browser passwords.",
    },
    RuleInfo {
        id: "STEAL-HARVEST",
        category: Category::InformationStealing,
        severity: Severity::Critical,
        evasion: None,
        summary: "One file names credential stores of two kinds (browser, Discord, wallet), or one of them and an exfiltration channel (webhook, paste site, DNS).",
        explanation: "That is a stealer's shape wherever it runs: collect several secrets or ship one to an attacker's drop. Each part alone has benign uses (cookie tools, Discord clients, webhook notifiers); together they do not.",
    },
    RuleInfo {
        id: "STEAL-DISCORD",
        category: Category::InformationStealing,
        severity: Severity::High,
        evasion: None,
        summary: "Names Discord token storage (Local Storage/leveldb, discordcanary, /users/@me).",
        explanation: "Discord token grabbers are the most common PyPI stealers; bots use their own token.",
    },
    RuleInfo {
        id: "STEAL-WALLET",
        category: Category::InformationStealing,
        severity: Severity::High,
        evasion: None,
        summary: "Names cryptocurrency wallet files or extensions (wallet.dat, Exodus, MetaMask).",
        explanation: "Wallet theft; wallet software is not distributed as a PyPI library that reads other wallets.",
    },
    RuleInfo {
        id: "STEAL-CREDENTIALS",
        category: Category::InformationStealing,
        severity: Severity::Medium,
        evasion: None,
        summary: "Names host secrets (~/.ssh, id_rsa, .aws/credentials, /etc/passwd, shell history).",
        explanation: "SSH/cloud tools legitimately read their own configuration, so this is medium; combined with sending it is theft.",
    },
    RuleInfo {
        id: "PY-FILE-SELF-DELETE",
        category: Category::FileOperation,
        severity: Severity::High,
        evasion: None,
        summary: "Deletes its own file (os.remove(__file__), sys.argv[0]).",
        explanation: "Erasing traces after running; benign code has no reason to delete itself.",
    },
    RuleInfo {
        id: "FILE-WIPE",
        category: Category::FileOperation,
        severity: Severity::Critical,
        evasion: None,
        summary: "Deletes a whole home folder, drive or file system (rmtree of ~, rm -rf /, format C:), or overwrites every file a directory walk finds with fixed content.",
        explanation: "Sabotage: installers and caches remove their own files, never their user's home or a disk; generators write what they read or render, not one constant over every file.",
    },
    RuleInfo {
        id: "PY-FILE-DROP-EXECUTABLE",
        category: Category::FileOperation,
        severity: Severity::High,
        evasion: None,
        summary: "Writes an executable, script or autostart file (.exe/.bat/.vbs/.ps1, AppData, Startup, cron, shell rc).",
        explanation: "Droppers write their payload where it will run; libraries write data and caches.",
    },
    RuleInfo {
        id: "PERSIST-RUNKEY",
        category: Category::Persistence,
        severity: Severity::High,
        evasion: None,
        summary: "Names or writes a Windows Run registry key.",
        explanation: "Run keys start a program at every logon: persistence when a package sets one for itself; desktop apps offering \"start at logon\" name the key too, so high, like the Startup folder.",
    },
    RuleInfo {
        id: "PERSIST-STARTUP",
        category: Category::Persistence,
        severity: Severity::High,
        evasion: None,
        summary: "Names the Windows Startup folder.",
        explanation: "Files there run at every logon: persistence.",
    },
    RuleInfo {
        id: "PERSIST-SCHEDULED",
        category: Category::Persistence,
        severity: Severity::High,
        evasion: None,
        summary: "Schedules itself (crontab, systemd units, schtasks, launch agents).",
        explanation: "Scheduling tools exist, but an installed library that registers jobs is persisting.",
    },
    RuleInfo {
        id: "PERSIST-SHELL-RC",
        category: Category::Persistence,
        severity: Severity::Medium,
        evasion: None,
        summary: "Names shell start-up files (.bashrc, .zshrc, .bash_profile).",
        explanation: "Completion installers append to them, so medium; malware adds commands that run at every shell.",
    },
    RuleInfo {
        id: "PERSIST-SSH-KEY",
        category: Category::Persistence,
        severity: Severity::High,
        evasion: None,
        summary: "Adds to an SSH authorized_keys file (a write or append, in code or a shell command).",
        explanation: "A key added there lets its owner log in at will: a backdoor. SSH tools read the file; packages do not write it while installing or importing.",
    },
    RuleInfo {
        id: "MINER",
        category: Category::Cryptomining,
        severity: Severity::Critical,
        evasion: None,
        summary: "Cryptominer traces (xmrig, stratum+tcp, mining pool hosts, --donate-level).",
        explanation: "Mining on the victim's machine; no library needs a mining pool.",
    },
    RuleInfo {
        id: "PY-OBF-ENCODED-BLOB",
        category: Category::Evasion,
        severity: Severity::Low,
        evasion: Some(Evasion::Obfuscation),
        summary: "A long, high-entropy base64/hex string literal.",
        explanation: "Embedded assets explain some; packed payloads explain the rest. Weak alone.",
    },
    RuleInfo {
        id: "PY-OBF-PYARMOR",
        category: Category::Evasion,
        severity: Severity::Medium,
        evasion: Some(Evasion::Obfuscation),
        summary: "Code protected with PyArmor.",
        explanation: "Commercial obfuscation hides behaviour from review; open-source libraries ship readable code.",
    },
    RuleInfo {
        id: "PY-OBF-HIDDEN-CODE",
        category: Category::Evasion,
        severity: Severity::Critical,
        evasion: Some(Evasion::Obfuscation),
        summary: "Code pushed off screen after a long run of blanks on one line.",
        explanation: "A trick to hide a payload from reviewers reading the file; no formatter produces it.",
    },
    RuleInfo {
        id: "PY-OBF-UNICODE-IDENT",
        category: Category::Evasion,
        severity: Severity::Medium,
        evasion: Some(Evasion::Obfuscation),
        summary: "Identifiers made of look-alike Unicode letters (mathematical or fullwidth forms, mixed scripts).",
        explanation: "Python normalises them to ASCII names, so a mathematical-italic `exec` is exec: invisible to text search.",
    },
    RuleInfo {
        id: "PY-OBF-ESCAPED-TEXT",
        category: Category::Evasion,
        severity: Severity::Medium,
        evasion: Some(Evasion::Obfuscation),
        summary: "Three or more string literals in a file spell ordinary text wholly in escape codes (`\"\\x65\\x76\\x61\\x6c\"` for `eval`).",
        explanation: "Obfuscators (BlankOBF and kin) write names and code as `\\x..` / octal escapes so that text search finds nothing; people write readable text as text, and data (BOMs, magic numbers) as bytes literals.",
    },
    RuleInfo {
        id: "PY-OBF-STRING-TRICKS",
        category: Category::Evasion,
        severity: Severity::Low,
        evasion: Some(Evasion::Obfuscation),
        summary: "Strings built from character codes, reversed, or ROT13-decoded; modules imported by decoded names.",
        explanation: "Building names at run time defeats string search; weak alone, strong next to exec.",
    },
    RuleInfo {
        id: "PY-PTH-CODE",
        category: Category::CodeExecution,
        severity: Severity::Medium,
        evasion: None,
        summary: "A .pth file with an executable `import` line.",
        explanation: "Python runs such lines at every interpreter start, a favourite persistence trick; build tools use the hook too (setuptools' distutils shim, coverage), so what the line runs is judged by the Python rules at import time, and modules it imports count as imported at start.",
    },
    RuleInfo {
        id: "PKL-CODE-EXEC",
        category: Category::CodeExecution,
        severity: Severity::Critical,
        evasion: Some(Evasion::Obfuscation),
        summary: "A pickle (model or data file) that runs a command or code when loaded (`os.system`, `subprocess`, `exec`...).",
        explanation: "Unpickling calls every callable the data imports; a model or data file has no reason to import a command or code runner, and `torch.load` / `pickle.load` in the package's own code runs it. The opcodes are read, never unpickled; the command or code handed over is judged by the command and Python rules.",
    },
    RuleInfo {
        id: "PKL-UNSAFE-GLOBAL",
        category: Category::CodeExecution,
        severity: Severity::Medium,
        evasion: Some(Evasion::Obfuscation),
        summary: "A pickle that imports a callable outside data (sockets, HTTP, files, `getattr`, `__import__`...).",
        explanation: "Data pickles (torch, numpy, scikit-learn, pandas objects) import their own classes; network, file or import machinery in a pickle is a step of a payload.",
    },
    RuleInfo {
        id: "PKG-BINARY-PE",
        category: Category::Packaging,
        severity: Severity::Medium,
        evasion: None,
        summary: "A bundled Windows executable or DLL (by name or MZ header).",
        explanation: "Source distributions ship source; a bundled .exe is often the payload.",
    },
    RuleInfo {
        id: "PKG-BINARY-RUN",
        category: Category::CommandExecution,
        severity: Severity::High,
        evasion: None,
        summary: "Starts an executable the package ships, while installing or importing.",
        explanation: "Libraries that bundle tools run them when asked; starting a shipped binary on install or import hands the machine to code no reviewer can read.",
    },
    RuleInfo {
        id: "PKG-BINARY-NATIVE",
        category: Category::Packaging,
        severity: Severity::Low,
        evasion: None,
        summary: "A bundled native binary (ELF, Mach-O, .so, .pyd, .dylib).",
        explanation: "Wheels legitimately contain extension modules; in an sdist a prebuilt binary cannot be reviewed.",
    },
    RuleInfo {
        id: "PKG-ARCHIVE-ANOMALY",
        category: Category::Packaging,
        severity: Severity::Low,
        evasion: None,
        summary: "Archive structure anomaly (path traversal, links, limits, encryption).",
        explanation: "Reported by the archive reader; such members are never followed.",
    },
    RuleInfo {
        id: "PKG-HUGE-FILE",
        category: Category::Packaging,
        severity: Severity::Info,
        evasion: None,
        summary: "A file too large to parse (still scanned for strings).",
        explanation: "Generated or vendored files are usually benign; noted so nothing is silently skipped.",
    },
    RuleInfo {
        id: "META-TYPOSQUAT",
        category: Category::Metadata,
        severity: Severity::Low,
        evasion: None,
        summary: "The name is one edit, separator or affix away from a popular package.",
        explanation: "Typosquatting catches users who mistype; a hint only, many honest names are close to popular ones.",
    },
    RuleInfo {
        id: "META-BEHAVIOUR-OVERLAP",
        category: Category::Evasion,
        severity: Severity::Info,
        evasion: Some(Evasion::BehaviourOverlap),
        summary: "Strong findings sit in a few places of an otherwise substantial code base.",
        explanation: "The behaviour-overlap technique hides malice inside plausible functionality; informational.",
    },
    RuleInfo {
        id: "NPM-INSTALL-SCRIPT",
        category: Category::Metadata,
        severity: Severity::Low,
        evasion: None,
        summary: "package.json declares preinstall/install/postinstall scripts.",
        explanation: "Native modules build at install, so this is a hint; what the script runs decides (CMD-*).",
    },
    RuleInfo {
        id: "JS-CHILD-PROCESS",
        category: Category::CommandExecution,
        severity: Severity::Low,
        evasion: None,
        summary: "Runs a command with child_process (exec, spawn, execSync...).",
        explanation: "Build tools do this; install-time use with odd commands is what matters.",
    },
    RuleInfo {
        id: "JS-NETWORK",
        category: Category::Network,
        severity: Severity::Low,
        evasion: None,
        summary: "Network access from JavaScript (http(s).request/get, fetch, net, dns).",
        explanation: "Common at run time; at install time it deserves a look.",
    },
    RuleInfo {
        id: "JS-EVAL-DECODED",
        category: Category::CodeExecution,
        severity: Severity::Critical,
        evasion: Some(Evasion::Obfuscation),
        summary: "eval/Function/vm of decoded data (base64, atob, fromCharCode).",
        explanation: "Decoding then evaluating hides the payload; benign code requires modules.",
    },
    RuleInfo {
        id: "JS-EVAL-DYNAMIC",
        category: Category::CodeExecution,
        severity: Severity::Low,
        evasion: None,
        summary: "eval/Function of a non-literal value.",
        explanation: "Template engines do this; weak alone.",
    },
    RuleInfo {
        id: "JS-EVAL-REMOTE",
        category: Category::DownloadExecute,
        severity: Severity::Critical,
        evasion: Some(Evasion::ExternalPayload),
        summary: "eval/Function/vm of code received from the network (in a response callback or beside the request).",
        explanation: "The payload is not in the package at all; what the package does is decided by a server at run time.",
    },
    RuleInfo {
        id: "JS-REVERSE-SHELL",
        category: Category::RemoteControl,
        severity: Severity::Critical,
        evasion: None,
        summary: "A socket is connected and piped into a shell process (sh, bash, cmd, PowerShell).",
        explanation: "Hands a remote party an interactive shell; terminal servers listen, they do not dial out.",
    },
    RuleInfo {
        id: "JS-FILE-SELF-DELETE",
        category: Category::FileOperation,
        severity: Severity::High,
        evasion: None,
        summary: "Deletes its own file (`fs.unlinkSync(__filename)`, `process.argv[1]`).",
        explanation: "An install script that erases itself once it has run hides what it did; benign scripts have no reason to delete themselves.",
    },
    RuleInfo {
        id: "JS-OBF-SPLIT-NAME",
        category: Category::Evasion,
        severity: Severity::High,
        evasion: Some(Evasion::Obfuscation),
        summary: "Names a process, file or network module, or its function, in pieces glued together (`require('chi'+'ld_pro'+'cess')['sp'+'awn']`).",
        explanation: "Splitting a name only defeats scanners that search for it; bundler workarounds hide dynamic paths, not `child_process` or `spawn`.",
    },
    RuleInfo {
        id: "JS-OBFUSCATED",
        category: Category::Evasion,
        severity: Severity::Medium,
        evasion: Some(Evasion::Obfuscation),
        summary: "Obfuscator output: `_0x` hex names or strings written as hex escapes; hidden strings are checked as commands.",
        explanation: "Minifiers shorten names, they do not hex-encode them or every character of a string; the escapes hide what the code runs.",
    },
    RuleInfo {
        id: "JS-OBFUSCATED-INSTALL",
        category: Category::Evasion,
        severity: Severity::High,
        evasion: Some(Evasion::Obfuscation),
        summary: "A script package.json runs at install time is obfuscator output.",
        explanation: "Libraries may ship obfuscated code for their users to call; nothing benign hides what runs on every machine that installs it.",
    },
    RuleInfo {
        id: "JS-HOSTINFO",
        category: Category::InformationStealing,
        severity: Severity::Low,
        evasion: None,
        summary: "Collects host identity (os.hostname, os.userInfo, networkInterfaces).",
        explanation: "Matters when sent somewhere.",
    },
    RuleInfo {
        id: "JS-ENV-BULK",
        category: Category::InformationStealing,
        severity: Severity::Medium,
        evasion: None,
        summary: "Serialises the whole process.env.",
        explanation: "Dumping all environment variables captures tokens and secrets; configuration reads single variables.",
    },
];

/// Every rule the analyser can emit (YARA hits come on top, as `yara:<Name>`).
pub fn rules() -> &'static [RuleInfo] {
    RULES
}

/// Look a rule up by id.
pub fn rule(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_documented() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate rule id");
        for r in RULES {
            assert!(
                !r.summary.is_empty() && !r.explanation.is_empty(),
                "{}",
                r.id
            );
        }
    }
}
