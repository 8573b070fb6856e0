# Prose in several scripts (Greek, Chinese) and typographic signs on purpose:
# ruff: noqa: RUF001
"""Writes secrets.jsonl and ordinary.jsonl beside this file (see README.md).

    python tests/data/secrets/make_corpora.py

Deterministic: the same seed gives the same files, so a change to this
script shows as a diff of the corpora. Every secret is made here, from a
seeded generator, in its issuer's published format (prefix, length,
alphabet, checksum where there is one); none was ever issued or used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import struct
import textwrap
import uuid
import zlib
from pathlib import Path

HERE = Path(__file__).parent
rng = random.Random(20250301)

DIGITS = string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
B62 = DIGITS + UPPER + LOWER
URLSAFE = B62 + "_-"
B64 = UPPER + LOWER + DIGITS + "+/"
HEX = "0123456789abcdef"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BASE32 = UPPER + "234567"


def pick(alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def mixed(alphabet: str, n: int) -> str:
    """Random, with each of upper-case letters, lower-case letters and digits
    that `alphabet` has (as the issuers' generators give in practice)."""
    wanted = [str.isupper, str.islower, str.isdigit]
    wanted = [w for w in wanted if any(w(c) for c in alphabet)]
    while True:
        value = pick(alphabet, n)
        if all(any(w(c) for c in value) for w in wanted):
            return value


def base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = B62[rest] + digits
    return digits.rjust(width, "0")


def checksummed(prefix: str) -> str:
    """GitHub's and npm's format: 30 random base62 characters, then the
    CRC32 of those 30, in base62, 6 characters wide."""
    body = mixed(B62, 30)
    return prefix + body + base62(zlib.crc32(body.encode()), 6)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(payload: dict[str, object], alg: str = "HS256") -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode()
    if alg == "HS256":
        signature = hmac.new(rng.randbytes(32), signing_input, hashlib.sha256).digest()
    else:
        signature = rng.randbytes(256)
    return f"{header}.{body}.{b64url(signature)}"


def pem(label: str, der_prefix: bytes, size: int, *, headers: str = "") -> str:
    body = base64.b64encode(der_prefix + rng.randbytes(size)).decode()
    lines = "\n".join(textwrap.wrap(body, 64))
    head = f"{headers}\n" if headers else ""
    return f"-----BEGIN {label}-----\n{head}{lines}\n-----END {label}-----"


def aws_key(prefix: str = "AKIA") -> str:
    while True:
        key = prefix + pick(BASE32, 16)
        if not key.endswith("EXAMPLE"):
            return key


def aws_secret() -> str:
    return mixed(B64, 40)


def session_token() -> str:
    return "IQoJb3JpZ2luX2VjE" + mixed(B64, 380)


def png(width: int, height: int) -> bytes:
    """A real PNG: grey noise, `width` x `height`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + rng.randbytes(width) for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def ulid() -> str:
    return pick("01234567", 1) + pick(CROCKFORD, 25)


# --- secrets ------------------------------------------------------------


def secrets() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def add(kind: str, text: str, secret: str, *others: tuple[str, str]) -> None:
        assert text.count(secret) == 1, (kind, text)
        row: dict[str, object] = {"kind": kind, "text": text, "secret": secret}
        if others:
            row["others"] = [list(o) for o in others]
        out.append(row)

    # AWS: access keys, their secrets, session tokens.
    k, s = aws_key(), aws_secret()
    add(
        "aws-access-key",
        f"[default]\naws_access_key_id = {k}\naws_secret_access_key = {s}\nregion = eu-west-1\n",
        k,
        ("aws-secret-key", s),
    )
    k, s = aws_key(), aws_secret()
    add(
        "aws-secret-key",
        f"export AWS_ACCESS_KEY_ID={k}\nexport AWS_SECRET_ACCESS_KEY={s}\n",
        s,
        ("aws-access-key", k),
    )
    k = aws_key()
    add(
        "aws-access-key",
        f"I rotated the CI user's key, the new id is {k} — can you update the pipeline?",
        k,
    )
    s = aws_secret()
    add("aws-secret-key", f"$ aws configure set aws_secret_access_key {s} --profile prod", s)
    k, s = aws_key(), aws_secret()
    add(
        "aws-secret-key",
        "$ aws configure\n"
        f"AWS Access Key ID [None]: {k}\nAWS Secret Access Key [None]: {s}\n"
        "Default region name [None]: us-east-1\nDefault output format [None]: json",
        s,
        ("aws-access-key", k),
    )
    k, s = aws_key(), aws_secret()
    add(
        "aws-secret-key",
        f"User name,Password,Access key ID,Secret access key\nci-deployer,,{k},{s}\n",
        s,
        ("aws-access-key", k),
    )
    k, s, t = aws_key("ASIA"), aws_secret(), session_token()
    add(
        "aws-session-token",
        json.dumps(
            {
                "Credentials": {
                    "AccessKeyId": k,
                    "SecretAccessKey": s,
                    "SessionToken": t,
                    "Expiration": "2025-03-01T12:00:00+00:00",
                }
            },
            indent=4,
        ),
        t,
        ("aws-access-key", k),
        ("aws-secret-key", s),
    )
    t = session_token()
    add("aws-session-token", f"AWS_SESSION_TOKEN={t}", t)
    s = aws_secret()
    add(
        "aws-secret-key",
        f's3 = boto3.client("s3", aws_access_key_id=key_id, aws_secret_access_key="{s}")',
        s,
    )
    k = aws_key("ASIA")
    add(
        "aws-access-key",
        "GET /reports/q1.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        f"&X-Amz-Credential={k}%2F20250301%2Fus-east-1%2Fs3%2Faws4_request HTTP/1.1",
        k,
    )

    # GitHub.
    for prefix, template in (
        ("ghp_", "git remote set-url origin https://{t}@github.com/acme/api.git"),
        ("gho_", 'curl -H "Authorization: token {t}" https://api.github.com/user'),
        ("ghs_", "GITHUB_TOKEN={t}"),
        ("ghu_", '{{"access_token": "{t}", "token_type": "bearer", "scope": ""}}'),
        ("ghr_", "refresh_token={t}&grant_type=refresh_token"),
    ):
        t = checksummed(prefix)
        add("github-token", template.format(t=t), t)
    t = "github_pat_11A" + mixed(B62, 19) + "_" + mixed(B62, 59)
    add("github-token", f"echo {t} | gh auth login --with-token", t)

    # GitLab.
    t = "glpat-" + mixed(URLSAFE, 20)
    add(
        "gitlab-token",
        f'curl --header "PRIVATE-TOKEN: {t}" https://gitlab.example.com/api/v4/projects',
        t,
    )
    t = "glpat-" + mixed(URLSAFE, 20)
    add("gitlab-token", f"git clone https://oauth2:{t}@gitlab.com/acme/infra.git", t)
    t = "gldt-" + mixed(URLSAFE, 20)
    add("gitlab-token", f"deploy token for the registry: gitlab+deploy-token-42 / {t}", t)
    t = "glrt-" + mixed(URLSAFE, 20)
    add("gitlab-token", f'[[runners]]\n  name = "docker-1"\n  token = "{t}"\n', t)

    # Slack.
    t = f"xoxb-{pick(DIGITS, 12)}-{pick(DIGITS, 13)}-{mixed(B62, 24)}"
    add("slack-token", f'SLACK_BOT_TOKEN="{t}" python bot.py', t)
    t = f"xoxp-{pick(DIGITS, 11)}-{pick(DIGITS, 11)}-{pick(DIGITS, 13)}-{pick(HEX, 32)}"
    add("slack-token", f"client = WebClient(token='{t}')", t)
    t = f"xapp-1-A{pick(UPPER + DIGITS, 10)}-{pick(DIGITS, 13)}-{pick(HEX, 64)}"
    add("slack-token", f"SLACK_APP_TOKEN={t}", t)
    path = f"T{pick(UPPER + DIGITS, 10)}/B{pick(UPPER + DIGITS, 10)}/{mixed(B62, 24)}"
    add(
        "slack-webhook",
        f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy done\"}}' "
        f"https://hooks.slack.com/services/{path}",
        path,
    )
    path = f"T{pick(UPPER + DIGITS, 9)}/B{pick(UPPER + DIGITS, 11)}/{mixed(B62, 24)}"
    add("slack-webhook", f'webhook_url: "https://hooks.slack.com/services/{path}"', path)

    # Stripe.
    t = "sk_live_51" + mixed(B62, 97)
    add("stripe-key", f"stripe.api_key = '{t}'", t)
    t = "sk_test_" + mixed(B62, 24)
    add("stripe-key", f"curl https://api.stripe.com/v1/charges -u {t}: -d amount=2000", t)
    t = "rk_live_" + mixed(B62, 99)
    add("stripe-key", f"STRIPE_RESTRICTED_KEY={t}", t)
    t = "whsec_" + mixed(B62, 32)
    add("stripe-key", f"stripe listen: Ready! Your webhook signing secret is {t} (^C to quit)", t)

    # OpenAI.
    t = "sk-proj-" + mixed(URLSAFE, 74) + "T3BlbkFJ" + mixed(URLSAFE, 74)
    add("openai-key", f"export OPENAI_API_KEY={t}", t)
    t = "sk-" + mixed(B62, 20) + "T3BlbkFJ" + mixed(B62, 20)
    add("openai-key", f'client = OpenAI(api_key="{t}")', t)
    t = "sk-svcacct-" + mixed(URLSAFE, 58) + "T3BlbkFJ" + mixed(URLSAFE, 58)
    add("openai-key", f'{{"openai": {{"apiKey": "{t}", "model": "gpt-4o"}}}}', t)

    # Anthropic.
    t = "sk-ant-api03-" + mixed(URLSAFE, 93) + "AA"
    add("anthropic-key", f"ANTHROPIC_API_KEY={t} claude", t)
    t = "sk-ant-admin01-" + mixed(URLSAFE, 93) + "AA"
    add(
        "anthropic-key",
        f'curl https://api.anthropic.com/v1/organizations/users -H "x-api-key: {t}"',
        t,
    )
    t = "sk-ant-oat01-" + mixed(URLSAFE, 93) + "AA"
    add("anthropic-key", f"CLAUDE_CODE_OAUTH_TOKEN={t}", t)

    # Google.
    t = "AIzaSy" + mixed(URLSAFE, 33)
    add(
        "google-api-key",
        f"https://maps.googleapis.com/maps/api/geocode/json?address=Paris&key={t}",
        t,
    )
    t = "AIzaSy" + mixed(URLSAFE, 33)
    add(
        "google-api-key",
        f'const firebaseConfig = {{ apiKey: "{t}", authDomain: "acme.firebaseapp.com" }};',
        t,
    )
    t = "GOCSPX-" + mixed(URLSAFE, 28)
    add(
        "google-client-secret",
        f'{{"web":{{"client_id":"1234-abc.apps.googleusercontent.com","client_secret":"{t}"}}}}',
        t,
    )

    # npm, PyPI, Hugging Face.
    t = checksummed("npm_")
    add("npm-token", f"//registry.npmjs.org/:_authToken={t}", t)
    t = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    add("npm-token", f"@acme:registry=https://npm.acme.dev/\n//npm.acme.dev/:_authToken={t}\n", t)
    t = "pypi-AgEIcHlwaS5vcmc" + mixed(URLSAFE, 160)
    add("pypi-token", f"[pypi]\n  username = __token__\n  password = {t}\n", t)
    t = "hf_" + mixed(UPPER + LOWER, 34)
    add("huggingface-token", f"huggingface-cli login --token {t}", t)

    t = "api_org_" + mixed(UPPER + LOWER, 34)
    add("huggingface-token", f'HfApi(token="{t}").whoami()', t)
    t = "pypi-AgENdGVzdC5weXBpLm9yZw" + mixed(URLSAFE, 140)
    add("pypi-token", f"twine upload --repository testpypi -u __token__ -p {t} dist/*", t)
    t = "GOCSPX-" + mixed(URLSAFE, 28)
    add("google-client-secret", f"GOOGLE_CLIENT_SECRET={t}", t)

    # In long texts: a tool's output of 40,000 characters with one key in it.
    t = checksummed("ghp_")
    filler = "\n".join(
        f"src/mod_{i}.py:{i}: def handler_{i}(event): return event" for i in range(700)
    )
    add("github-token", f"{filler}\n.env:3: GITHUB_TOKEN={t}\n{filler}", t)
    t = "sk-ant-api03-" + mixed(URLSAFE, 93) + "AA"
    add(
        "anthropic-key",
        json.dumps(
            {"type": "tool_result", "content": f"$ env | grep KEY\nANTHROPIC_API_KEY={t}\n"}
        ),
        t,
    )

    # Private keys.
    key = pem("RSA PRIVATE KEY", bytes.fromhex("308204a40201000282010100"), 1180)
    add("private-key", f"$ cat ~/.ssh/id_rsa\n{key}\n$ chmod 600 ~/.ssh/id_rsa", key)
    key = pem(
        "PRIVATE KEY", bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8"), 1190
    )
    add("private-key", f"Here is server.key:\n\n{key}\n", key)
    openssh = base64.b64encode(
        b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01"
        + rng.randbytes(300)
    ).decode()
    key = (
        "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + "\n".join(textwrap.wrap(openssh, 70))
        + "\n-----END OPENSSH PRIVATE KEY-----"
    )
    add("private-key", f"```\n{key}\n```", key)
    key = pem("EC PRIVATE KEY", bytes.fromhex("30770201010420"), 100)
    add(
        "private-key",
        f"tls:\n  key: |\n{textwrap.indent(key, '    ')}\n",
        textwrap.indent(key, "    ").lstrip(),
    )
    key = pem(
        "RSA PRIVATE KEY",
        b"",
        1200,
        headers="Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
        + pick("0123456789ABCDEF", 32)
        + "\n",
    )
    add("private-key", key + "\n", key)
    key = pem("PGP PRIVATE KEY BLOCK", b"\x95\x03\xc6\x04", 900).replace(
        "-----\n", "-----\nVersion: GnuPG v2\n\n", 1
    )
    add("private-key", f"gpg --export-secret-keys --armor alice@example.org\n{key}", key)
    key = pem(
        "PRIVATE KEY", bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7"), 1180
    )
    escaped = key.replace("\n", "\\n")
    add(
        "private-key",
        json.dumps(
            {
                "type": "service_account",
                "project_id": "acme-prod",
                "private_key_id": pick(HEX, 40),
                "private_key": "@@KEY@@",
                "client_email": "ci@acme-prod.iam.gserviceaccount.com",
            },
            indent=2,
        ).replace("@@KEY@@", escaped + "\\n"),
        escaped,
    )
    body = textwrap.wrap(base64.b64encode(rng.randbytes(400)).decode(), 64)[:4]
    cut = "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(body)
    add(
        "private-key",
        f"$ head -5 deploy_key.pem\n{cut}\n$ wc -l deploy_key.pem\n27 deploy_key.pem",
        cut,
    )

    # JSON Web Tokens.
    t = jwt({"sub": "1234567890", "name": "Ada Lovelace", "iat": 1740787200})
    add("jwt", f'curl -H "Authorization: Bearer {t}" https://api.example.com/v1/me', t)
    t = jwt(
        {"iss": "https://auth.example.com/", "aud": "api", "exp": 1740790800, "scope": "read:all"},
        "RS256",
    )
    add("jwt", f"2025-03-01T10:00:00Z INFO request authorized token={t} user=42", t)
    t = jwt({"user_id": 7, "role": "admin"})
    add("jwt", f"document.cookie = 'session={t}; path=/; secure';", t)

    # Passwords in URIs.
    for template, password in (
        ("DATABASE_URL=postgresql://app:{p}@db.internal:5432/prod", "Xk9vQ2mP7rLw"),
        (
            "mysql -h 127.0.0.1 --execute 'select 1' mysql://root:{p}@127.0.0.1:3306/shop",
            "Tr0ub4dor&3",
        ),
        (
            'MONGO_URI="mongodb+srv://admin:{p}@cluster0.ab1cd.mongodb.net/?retryWrites=true&w=majority"',
            "Qw3rty!x2025",
        ),
        ("redis-cli -u redis://:{p}@cache.internal:6379/0 ping", "s3cretRedisPass"),
        ("amqp://guest:{p}@rabbit:5672/%2F", "gU3st-2024"),
        (
            "pip install --index-url https://deploy:{p}@nexus.example.com/repository/pypi/simple acme",
            "H7d92kLm",
        ),
        ("Connecting to postgres://bob:{p}@localhost/app failed: timeout", "p@ss@w0rd"),
        ("smtp_url: smtp://mailer:{p}@smtp.example.com:587", "Ma1l%40Pa55"),
    ):
        add("password", template.format(p=password), password)

    # Environment variables: an upper-case name ending in a credential's word.
    add("password", "PGPASSWORD=Tr0ub4dor3 psql -h db.internal -U app -c 'select 1'", "Tr0ub4dor3")
    add(
        "password",
        "docker run -d -e MYSQL_ROOT_PASSWORD='Sup3r$ecret!' -p 3306:3306 mysql:8",
        "Sup3r$ecret!",
    )
    add("password", 'export DB_PASSWORD="hunter22"\n./manage.py migrate', "hunter22")
    t = mixed(B62, 32)
    add("secret", f"# .env\nNODE_ENV=production\nSESSION_SECRET={t}\nPORT=3000\n", t)
    t = pick(HEX, 40)
    add("secret", f"API_TOKEN={t} ./deploy.sh staging", t)
    t = mixed(B64, 44)
    add("secret", f"kubectl create secret generic app --from-literal=ENCRYPTION_KEY={t}", t)
    return out


# --- ordinary texts -------------------------------------------------------

PROSE = [
    "Can you refactor the session store so that appends are batched? The daemon spends most of its time in commits.",
    "The password reset email never arrives; I checked the spam folder and the SMTP logs show nothing.",
    "Your password must be at least 12 characters long and must not contain your user name.",
    "Store the API key in the secret manager, never in the repository, and rotate it every 90 days.",
    "AWS access key ids start with AKIA (long-term) or ASIA (temporary, from STS).",
    "A GitHub classic token starts with ghp_ and a fine-grained one with github_pat_.",
    "The PEM file starts with a BEGIN line and ends with an END line; keep it readable only by its owner.",
    "Set OPENAI_API_KEY in your shell before running the examples; the scripts read it from the environment.",
    "JWTs have three parts separated by dots: a header, a payload and a signature, each base64url-encoded.",
    "I think the bug is in the tokenizer: it splits 'don't' into three tokens instead of two.",
    "We use task-sk-2 and task-sk-3 as the Jira keys for the two halves of the migration.",
    "Le mot de passe doit contenir au moins douze caractères, dont un chiffre et un symbole.",
    "Das Passwort wurde erfolgreich geändert. Bitte melden Sie sich erneut an.",
    "La contraseña no coincide. Inténtalo de nuevo o restablécela desde el enlace del correo.",
    "パスワードを忘れた場合は、ログイン画面の「パスワードをリセット」をクリックしてください。",
    "请在设置页面生成新的访问令牌，并在三十天内更新所有使用旧令牌的脚本。",
    "Пароль должен содержать не менее двенадцати символов. Токен доступа истекает через час.",
    "يجب أن تحتوي كلمة المرور على اثني عشر حرفًا على الأقل.",
    "Σας στείλαμε έναν σύνδεσμο για να ορίσετε νέο κωδικό πρόσβασης.",
    "Na madrugada de sábado, o serviço de autenticação caiu por 14 minutos; nenhum segredo vazou.",
    "The quick brown fox jumps over the lazy dog. Sphinx of black quartz, judge my vow.",
    "OK, I'll run the migrations first and then re-index. ETA ~10 min; ping me on Slack if it blocks you.",
    "Tokens per second dropped from 85 to 41 after the upgrade; the KV cache is now recomputed each turn.",
    "Secrets are not kept: the store replaces them with a marker before anything is written.",
    "In Kubernetes, a Secret is only base64-encoded, not encrypted, unless encryption at rest is enabled.",
    "AIza is the prefix of Google API keys; the rest is 35 characters of URL-safe base64.",
    "The Stripe publishable key (pk_live_...) is meant for the browser; the secret key must stay on the server.",
    "Rotate the deploy key, revoke the old token, and update the CI variable: three steps, in that order.",
    "Acceptance: 1,000,000 events in under five minutes, and no regression in the p99 latency of appends.",
    "Asia-Pacific revenue grew 12% while EMEA was flat; ASIA is still the fastest-growing region.",
    "Use xoxo-style sign-offs sparingly in customer emails.",
    "sk-learn is not a package; the import name is sklearn and the distribution is scikit-learn.",
]

CODE = [
    'def login(username: str, password: str) -> Session:\n    user = users.get(username)\n    if user is None or not check_password(password, user.password_hash):\n        raise AuthError("invalid credentials")\n    return Session.new(user)',
    'api_key = os.environ["OPENAI_API_KEY"]\nclient = OpenAI(api_key=api_key)',
    "password = request.form['password']\ntoken = secrets.token_urlsafe(32)\nsession['csrf_token'] = token",
    'const token = localStorage.getItem("access_token");\nfetch("/api/me", { headers: { Authorization: `Bearer ${token}` } });',
    'func (s *Server) Authenticate(ctx context.Context, req *pb.AuthRequest) (*pb.Token, error) {\n\tif req.GetPassword() == "" {\n\t\treturn nil, status.Error(codes.InvalidArgument, "password required")\n\t}\n\treturn s.issue(ctx, req.GetUser())\n}',
    'fn main() -> Result<(), Box<dyn Error>> {\n    let key = std::env::var("API_KEY")?;\n    let client = Client::new(&key);\n    println!("{}", client.status()?);\n    Ok(())\n}',
    "public String hash(String password) {\n    return BCrypt.hashpw(password, BCrypt.gensalt(12));\n}",
    "static int sk_buff_len(const struct sk_buff *skb) {\n    return skb->len - skb->data_len;\n}",
    'from huggingface_hub import hf_hub_download\npath = hf_hub_download(repo_id="bert-base-uncased", filename="config.json")',
    "SELECT id, email, password_hash, created_at FROM users WHERE email = $1 AND deleted_at IS NULL LIMIT 1;",
    "CREATE TABLE api_keys (\n  id BIGSERIAL PRIMARY KEY,\n  key_hash BYTEA NOT NULL,\n  prefix TEXT NOT NULL,\n  created_at TIMESTAMPTZ DEFAULT now()\n);",
    "for i, tok in enumerate(tokens):\n    if tok.kind == TokenKind.SECRET:\n        tokens[i] = tok._replace(text='[redacted]')",
    "#!/usr/bin/env bash\nset -euo pipefail\nread -rsp 'Password: ' PGPASSWORD\nexport PGPASSWORD\npsql -h db -U app -c 'select 1'",
    'if [[ -z "${GITHUB_TOKEN:-}" ]]; then\n  echo "GITHUB_TOKEN is not set" >&2\n  exit 1\nfi',
    "class Settings(BaseSettings):\n    database_url: PostgresDsn\n    secret_key: SecretStr\n    access_token_expire_minutes: int = 30",
    "  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: postgres-credentials\n        key: password",
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app-tls\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${TLS_CRT}\n  tls.key: ${TLS_KEY}",
    "env:\n  GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
    "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n      POSTGRES_USER: app",
    'variable "db_password" {\n  type      = string\n  sensitive = true\n}\n\nresource "aws_db_instance" "main" {\n  password = var.db_password\n}',
    "OPENAI_API_KEY=your-api-key-here\nANTHROPIC_API_KEY=\nDATABASE_URL=postgresql://user:password@localhost:5432/mydb",
    "SESSIOND_BENCH_PG_URL=postgresql://USER:PASSWORD@HOST/DB python -m bench",
    'REDIS_URL="redis://:${REDIS_PASSWORD}@redis:6379/0"',
    'url = f"postgresql://{user}:{password}@{host}:{port}/{db}"',
    'conn = psycopg.connect("postgresql://%s:%s@%s/%s" % (user, pw, host, db))',
    "mysql://root:<password>@127.0.0.1:3306/app",
    "https://****:****@registry.example.com/v2/",
    "const sk_test_mode = process.env.NODE_ENV !== 'production';\nconst rk_live_reload = true;",
    ".btn-primary { color: #ffffff; background-color: #0d6efd; border-color: #0a58ca; }\n.alert { --bs-alert-bg: rgba(255, 193, 7, .15); }",
    '<svg viewBox="0 0 24 24"><path d="M12 2C6.48 2 2 6.48 2 12s4.48 10 10 10 10-4.48 10-10S17.52 2 12 2zm-1 15h2v-6h-2v6z"/></svg>',
    '!function(e,t){"object"==typeof exports&&"undefined"!=typeof module?module.exports=t():"function"==typeof define&&define.amd?define(t):(e=e||self).dayjs=t()}(this,function(){"use strict";var e=1e3,t=6e4,n=36e5})',
    'import jwt\n\ndef decode(token: str) -> dict:\n    return jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"])',
    "export function isJwt(value: string): boolean {\n  return /^eyJ[\\w-]+\\.eyJ[\\w-]+\\.[\\w-]*$/.test(value);\n}",
    'KEY_PATTERN = re.compile(r"-----BEGIN [A-Z ]+PRIVATE KEY-----")',
    "$ ssh-keygen -t ed25519 -C ci@acme\nGenerating public/private ed25519 key pair.\nYour identification has been saved in /home/ci/.ssh/id_ed25519\nYour public key has been saved in /home/ci/.ssh/id_ed25519.pub\nThe key fingerprint is:\nSHA256:Jx0uW3k2s1eT4lq9M0d7pZ8fV6cB5nA3rY1oH2gK4iE ci@acme",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0SPTqVfXkL2m3Hn9y8bJ1q2Wc0pZ4rT5uV6wX7yZ8 ci@acme",
    "user@example.com:/srv/git/project.git",
    "git clone git@github.com:acme/infra.git && cd infra && make",
    "ssh -p 2222 deploy@10.0.4.17 'systemctl restart api'",
    "# .env.example\nOPENAI_API_KEY=your-api-key-here\nSECRET_KEY=changeme\nJWT_SECRET=${JWT_SECRET}\nAUTH_KEY=${AUTH_KEY:-}",
    "MAX_TOKENS=4096 TOKEN_TTL=3600 PASSWORD_MIN_LENGTH=12 SORT_KEY=created_at python run.py",
    "export GITHUB_TOKEN=$(gh auth token)\nexport GOOGLE_APPLICATION_CREDENTIALS=/srv/keys/ci.json",
    'static{this.STORAGE_KEY="workbench.panel.v2"}static{this.VIEW_STATE_KEY="scm.viewState2"};e.TOKEN=e.STATE=1',
    "DJANGO_SETTINGS_MODULE=app.settings.prod SECRET_KEY=settings.SECRET_KEY gunicorn app.wsgi",
    "git remote -v\norigin\thttps://github.com/acme/api.git (fetch)\norigin\thttps://github.com/acme/api.git (push)",
]


def ordinary() -> list[dict[str, str]]:
    out: list[dict[str, str]] = []

    def add(what: str, text: str) -> None:
        out.append({"what": what, "text": text})

    for text in PROSE:
        add("prose", text)
    for text in CODE:
        add("code", text)

    # Git: hashes, log output, show headers.
    for _ in range(12):
        add("git hash", pick(HEX, 40))
    for _ in range(4):
        lines = []
        for _ in range(8):
            lines.append(
                f"{pick(HEX, 7)} {rng.choice(['fix', 'feat', 'chore', 'docs'])}: {rng.choice(['store', 'cli', 'search', 'import'])} {rng.choice(['batches appends', 'handles a deleted WAL', 'quotes terms', 'resumes from a checkpoint'])}"
            )
        add("git log --oneline", "\n".join(lines))
    for _ in range(4):
        add(
            "git show",
            f"commit {pick(HEX, 40)}\nMerge: {pick(HEX, 7)} {pick(HEX, 7)}\n"
            f"Author: Ada Lovelace <ada@example.org>\nDate:   Sat Mar 1 10:{rng.randrange(60):02d}:00 2025 +0100\n\n"
            "    store: batch appends in one transaction\n\n"
            f"diff --git a/src/store.py b/src/store.py\nindex {pick(HEX, 7)}..{pick(HEX, 7)} 100644",
        )
    add(
        "git blame",
        "\n".join(f"^{pick(HEX, 8)} (Ada 2025-02-{d:02d} {d}) line {d}" for d in range(1, 8)),
    )

    # ULIDs and UUIDs.
    for _ in range(10):
        add("ULID", ulid())
    add(
        "ULIDs in JSON",
        json.dumps({"id": ulid(), "session": ulid(), "events": [ulid() for _ in range(5)]}),
    )
    for _ in range(8):
        add("UUID", str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    add(
        "request ids",
        "\n".join(
            f"request_id={uuid.UUID(int=rng.getrandbits(128), version=4)} status=200 dur={rng.randrange(900)}ms"
            for _ in range(6)
        ),
    )

    # Hex digests.
    for _ in range(5):
        add("sha256", f"sha256:{pick(HEX, 64)}")
    for _ in range(3):
        add("md5sum", f"{pick(HEX, 32)}  release-{rng.randrange(10)}.{rng.randrange(20)}.tar.gz")
    add("docker digest", f"docker pull postgres:16@sha256:{pick(HEX, 64)}")
    add(
        "pip hashes",
        "\n".join(f"requests==2.32.3 \\\n    --hash=sha256:{pick(HEX, 64)}" for _ in range(3)),
    )
    add("trace ids", f"traceparent: 00-{pick(HEX, 32)}-{pick(HEX, 16)}-01")

    # Base64: images, data URIs, blobs in code.
    for w, h in ((1, 1), (8, 8), (16, 4), (32, 32)):
        data = base64.b64encode(png(w, h)).decode()
        add("data URI", f'<img src="data:image/png;base64,{data}" alt="logo">')
    data = base64.b64encode(png(24, 24)).decode()
    add("base64 image in CSS", f".icon {{ background-image: url(data:image/png;base64,{data}); }}")
    data = base64.b64encode(png(48, 48)).decode()
    add(
        "base64 image in JSON",
        json.dumps(
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
        ),
    )
    for n in (12, 40, 64, 120, 500):
        add(
            "base64 blob",
            f'payload = base64.b64decode("{base64.b64encode(rng.randbytes(n)).decode()}")',
        )
    add("base64url blob", f"state={b64url(rng.randbytes(32))}&nonce={b64url(rng.randbytes(16))}")
    add("base64 JSON, one part", b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()))
    add(
        "base64 in YAML",
        f"data:\n  config.json: {base64.b64encode(json.dumps({'debug': False, 'workers': 4}).encode()).decode()}",
    )

    # URLs.
    urls = [
        "https://www.google.com/search?q=sqlite+wal+checkpoint&oq=sqlite+wal&sourceid=chrome&ie=UTF-8",
        "https://github.com/acme/api/compare/v1.2.0...v1.3.0?expand=1",
        "https://user@bitbucket.org/acme/infra.git",
        "https://ada@dev.azure.com/acme/project/_git/api",
        "http://localhost:8080/api/v1/sessions?limit=50&cursor=01JN4Z6W5Q8H7R3K2M1N0P9S8T",
        "http://127.0.0.1:5432/",
        "http://[::1]:3000/@vite/client",
        "https://registry.npmjs.org/@types%2fnode",
        "https://example.com:8443/path/to/page@version?x=1#section",
        "ssh://git@github.com:22/acme/api.git",
        "git+ssh://git@gitlab.com/acme/infra.git@v1.2.3",
        "https://s3.eu-west-1.amazonaws.com/acme-assets/img/logo.png?versionId=3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
        "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=6731de76-14a6-49ae-97bc-6eba6914391e&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8400&scope=openid",
        "https://accounts.google.com/o/oauth2/v2/auth?response_type=code&client_id=1234-abc.apps.googleusercontent.com&state=af0ifjsldkj",
        "https://hooks.slack.com/services/",
        "https://api.github.com/repos/acme/api/pulls?state=open&per_page=100&page=2",
        "mailto:security@example.com?subject=Report",
        "file:///home/ada/projects/api/README.md",
        "jdbc:postgresql://db.internal:5432/app?sslmode=require",
        "s3://acme-backups/2025/03/01/db.sql.gz",
        "https://en.wikipedia.org/wiki/Base64#Variants_summary_table",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s",
        "https://maps.example.com/@48.8584,2.2945,17z",
        "https://medium.com/@ada/secrets-in-shell-history-3f2a1b",
    ]
    for url in urls:
        add("URL", url)

    # Logs and tool output.
    add(
        "nginx log",
        "\n".join(
            f'10.0.{rng.randrange(255)}.{rng.randrange(255)} - - [01/Mar/2025:10:{m:02d}:13 +0000] "GET /api/v1/sessions?limit=20 HTTP/1.1" 200 {rng.randrange(9999)} "-" "Mozilla/5.0 (X11; Linux x86_64)"'
            for m in range(5)
        ),
    )
    add(
        "syslog",
        "Mar  1 10:00:01 web-1 sshd[2211]: Accepted publickey for deploy from 10.0.4.2 port 51234 ssh2: ED25519 SHA256:Jx0uW3k2s1eT4lq9M0d7pZ8fV6cB5nA3rY1oH2gK4iE",
    )
    add(
        "python traceback",
        'Traceback (most recent call last):\n  File "/srv/app/api/auth.py", line 88, in login\n    token = issue_token(user, password=password)\n  File "/srv/app/api/tokens.py", line 31, in issue_token\n    raise TokenError("secret key not configured")\napi.tokens.TokenError: secret key not configured',
    )
    add(
        "java stack trace",
        'Exception in thread "main" java.lang.IllegalStateException: password must not be null\n\tat com.acme.auth.PasswordEncoder.encode(PasswordEncoder.java:42)\n\tat com.acme.auth.UserService.register(UserService.java:117)\n\tat com.acme.Main.main(Main.java:9)',
    )
    add(
        "node stack trace",
        "TypeError: Cannot read properties of undefined (reading 'token')\n    at getSession (/app/node_modules/next-auth/core/lib/session.js:55:37)\n    at async Object.handler (/app/.next/server/pages/api/auth/[...nextauth].js:1:1202)",
    )
    add(
        "kubectl",
        "NAME                         READY   STATUS    RESTARTS   AGE\napi-7d9c8b6f5-x2k4p          1/1     Running   0          3d\nworker-5f6b7c8d9-q8w7e       1/1     Running   2          3d",
    )
    add(
        "docker ps",
        f'CONTAINER ID   IMAGE         COMMAND                  STATUS\n{pick(HEX, 12)}   postgres:16   "docker-entrypoint.s…"   Up 2 hours\n{pick(HEX, 12)}   redis:7       "redis-server"           Up 2 hours',
    )
    add(
        "npm ls",
        "acme-web@1.4.0 /srv/web\n├── next@14.2.3\n├── react@18.3.1\n└─┬ @sentry/nextjs@7.114.0\n  └── @sentry/node@7.114.0",
    )
    add(
        "pip freeze",
        "certifi==2024.2.2\ncharset-normalizer==3.3.2\nidna==3.7\nrequests==2.32.3\nurllib3==2.2.1",
    )
    add(
        "pytest",
        "tests/unit/test_store.py::test_append_batches PASSED [ 12%]\ntests/unit/test_store.py::test_secret_redaction PASSED [ 25%]\n======= 8 passed, 1 skipped in 1.42s =======",
    )
    add(
        "JSON tool output",
        json.dumps(
            {
                "tool": "read_file",
                "path": "src/app/config.py",
                "lines": 120,
                "sha1": pick(HEX, 40),
                "modified": "2025-03-01T10:00:00Z",
            }
        ),
    )
    add(
        "package.json",
        json.dumps(
            {
                "name": "acme-web",
                "version": "1.4.0",
                "scripts": {"build": "next build", "test": "vitest"},
                "dependencies": {"next": "14.2.3"},
                "packageManager": "pnpm@9.1.0+sha512." + pick(HEX, 128),
            },
            indent=2,
        ),
    )
    add(
        "lockfile",
        f'"node_modules/react": {{\n  "version": "18.3.1",\n  "resolved": "https://registry.npmjs.org/react/-/react-18.3.1.tgz",\n  "integrity": "sha512-{base64.b64encode(rng.randbytes(64)).decode()}"\n}}',
    )
    add(
        "OAuth token response without a token",
        json.dumps({"token_type": "Bearer", "expires_in": 3599, "scope": "openid email"}),
    )
    add(
        "AWS doc example",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    add("AWS ARN", "arn:aws:iam::123456789012:role/ci-deployer and arn:aws:s3:::acme-assets/*")
    add(
        "IAM ids",
        "UserId: AIDAJQABLZS4A3QDU576Q, RoleId: AROA3XFRBF535PLBIFPI4, GroupId: AGPAJ6RSF8ODRJ5EXAMPLE",
    )
    add("Stripe publishable key", "Stripe.setPublishableKey('pk_live_" + pick(B62, 24) + "');")
    add("Stripe ids", "ch_3Ov2XyLkdIwHu7ix0abcDEFG cus_PqR8sT9uV0wXyZ pi_3Ov2XyLkdIwHu7ix1bcdEFGH")
    add(
        "placeholders",
        "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nSLACK_TOKEN=xoxb-your-token-here\nOPENAI_API_KEY=sk-...",
    )
    add(
        "near misses",
        "ghp_tooShort123 sk_live_abc AKIA1234 AIzaShort eyJhbGciOiJIUzI1NiJ9 glpat-short xoxb-1-2",
    )
    add(
        "JWT header alone",
        'The header eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 decodes to {"alg":"HS256","typ":"JWT"}.',
    )
    add(
        "PEM lines quoted in prose",
        "A key file starts with -----BEGIN OPENSSH PRIVATE KEY----- and ends with -----END OPENSSH PRIVATE KEY-----.",
    )
    add(
        "public key",
        "-----BEGIN PUBLIC KEY-----\n"
        + "\n".join(textwrap.wrap(base64.b64encode(rng.randbytes(294)).decode(), 64))
        + "\n-----END PUBLIC KEY-----",
    )
    add(
        "certificate",
        "-----BEGIN CERTIFICATE-----\n"
        + "\n".join(textwrap.wrap(base64.b64encode(rng.randbytes(600)).decode(), 64))
        + "\n-----END CERTIFICATE-----",
    )
    add(
        "redacted already",
        "DATABASE_URL=postgresql://app:[redacted:password]@db/prod and token [redacted:github-token]",
    )
    add("CSS colours", "#1e1e1e #d4d4d4 #569cd6 #ce9178 #6a9955 rgb(86, 156, 214) hsl(210 40% 98%)")
    add(
        "markdown table",
        "| kind | prefix |\n| --- | --- |\n| GitHub | `ghp_` |\n| GitLab | `glpat-` |\n| Slack | `xoxb-` |",
    )
    add(
        "diff",
        "@@ -12,7 +12,7 @@ def connect(url):\n-    conn = psycopg.connect(url, password=os.environ['PGPASSWORD'])\n+    conn = psycopg.connect(url)\n     return conn",
    )
    add(
        "long identifiers",
        "AbstractSingletonProxyFactoryBean getTransactionAwarePersistenceManagerFactoryProxy ReadWriteLockCacheRegionAccessStrategy",
    )
    add(
        "version strings",
        "v1.2.3-beta.4+build.5678 2025.03.01-rc1 sha-1a2b3c4d node-v20.11.1-linux-x64",
    )
    add(
        "crontab",
        "*/5 * * * * /usr/local/bin/backup --target s3://acme-backups --keep 30 >> /var/log/backup.log 2>&1",
    )
    add(
        "ipv6",
        "inet6 fe80::1c2b:3aff:fe4d:5e6f/64 scope link\ninet6 2001:db8:85a3::8a2e:370:7334/64 scope global",
    )
    add(
        "email header",
        "From: Ada Lovelace <ada@example.org>\nTo: ops@example.com\nMessage-ID: <CAF="
        + b64url(rng.randbytes(24))
        + "@mail.gmail.com>",
    )
    add(
        "emoji and symbols",
        "Deployed ✅ 🚀 — 3 services, 0 errors; p99 = 41 ms (−12 %) • next: rotate keys 🔑",
    )

    # More prose and code, generated from pieces, for volume and variety.
    subjects = [
        "the importer",
        "the daemon",
        "the search index",
        "the CLI",
        "the Neovim plugin",
        "the VS Code extension",
        "the PostgreSQL store",
        "the MCP server",
    ]
    verbs = ["drops", "duplicates", "reorders", "truncates", "double-escapes", "mislabels"]
    objects = [
        "events with emoji",
        "sessions from Cursor",
        "tool results over 64 KB",
        "titles with quotes",
        "milestones set twice",
        "turns after a crash",
    ]
    for i in range(30):
        add(
            "prose, generated",
            f"Bug {i + 100}: {rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} when the token budget "
            f"is {rng.choice(['exceeded', 'unset', 'zero'])}; see session {ulid()} and commit {pick(HEX, 12)}.",
        )
    langs = [
        (
            "python",
            "def {f}(items: list[int]) -> int:\n    total = 0\n    for item in items:\n        total += item * {n}\n    return total",
        ),
        ("javascript", "export const {f} = (items) => items.reduce((acc, x) => acc + x * {n}, 0);"),
        (
            "go",
            "func {f}(items []int) (total int) {{\n\tfor _, x := range items {{\n\t\ttotal += x * {n}\n\t}}\n\treturn\n}}",
        ),
        (
            "rust",
            "pub fn {f}(items: &[i64]) -> i64 {{\n    items.iter().map(|x| x * {n}).sum()\n}}",
        ),
        (
            "sql",
            "SELECT session_id, count(*) * {n} AS {f} FROM events GROUP BY session_id ORDER BY 2 DESC;",
        ),
        (
            "c",
            "long {f}(const long *items, size_t n) {{\n    long total = 0;\n    for (size_t i = 0; i < n; i++) total += items[i] * {n};\n    return total;\n}}",
        ),
    ]
    names = [
        "weighted_sum",
        "score_tokens",
        "count_secrets",
        "hash_keys",
        "sum_passwords_len",
        "api_key_count",
    ]
    for i in range(24):
        lang, template = langs[i % len(langs)]
        add(
            f"code, generated ({lang})",
            template.format(f=names[i % len(names)] + f"_{i}", n=rng.randrange(2, 99)),
        )
    return out


def main() -> None:
    rows = secrets()
    with (HERE / "secrets.jsonl").open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    texts = ordinary()
    with (HERE / "ordinary.jsonl").open("w", encoding="utf-8") as f:
        for row in texts:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} secrets, {len(texts)} ordinary texts")


if __name__ == "__main__":
    main()
