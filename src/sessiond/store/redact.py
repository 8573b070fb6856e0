"""Credentials out of text before it is stored: `[redacted:KIND]` in their place.

The contract ("Privacy, version 3") keeps no secret: every text the store is
given (appends, chat replies, imports, titles, milestone values, `meta`
strings) goes through `redact` first, and `sessiond redact` runs the same
over a store written before. `scan` also counts what it replaced, by kind,
for a summary that never shows a secret.

What is found (`KINDS`), each by the shape its issuer gives it, so that
ordinary text (git hashes, ULIDs, UUIDs, base64 in code, URLs) is left alone:

- `aws-access-key`: `AKIA…`/`ASIA…` and exactly 16 more upper-case letters
  or digits (not AWS's documentation examples, which say `EXAMPLE`).
- `aws-secret-key`: 40 characters of base64 after a key name
  (`aws_secret_access_key`, `AWS_SECRET_ACCESS_KEY`, `secret_key`,
  `--aws-secret-access-key`, `SecretAccessKey`, `AWS Secret Access Key
  [None]:`), or with no name within 1,000 characters of an access key found
  in the same text, if it mixes upper case, lower case and digits (so never
  a git hash, all hex).
- `aws-session-token`: 100 or more characters of base64 after
  `aws_session_token` or `X-Amz-Security-Token`, or after `SessionToken`
  near an access key (STS's JSON).
- `github-token`: `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` and 36 or more letters
  or digits; `github_pat_…` (fine-grained).
- `gitlab-token`: `glpat-`, `gldt-`, `glrt-`, `glptt-`, `gloas-`, … and 20 or
  more characters.
- `slack-token`: `xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, `xapp-`, … and a digit;
  `slack-webhook`: the path after `hooks.slack.com/services/`.
- `stripe-key`: `sk_live_`, `rk_live_`, `sk_test_`, … and `whsec_` (webhook
  signing secrets); publishable `pk_` keys are public and stay.
- `openai-key`: `sk-proj-…`, `sk-svcacct-…`, `sk-admin-…`, and `sk-` with 32 or
  more letters and digits (the legacy form, and the services that copy it).
- `anthropic-key`: `sk-ant-api03-…`, `sk-ant-admin01-…`, `sk-ant-oat01-…`.
- `google-api-key`: `AIza` and 35 characters; `google-client-secret`:
  `GOCSPX-` and 28.
- `npm-token`: `npm_` and 36 letters or digits, and the value of
  `_authToken=`, `_auth=` or `_password=` at the start of a line or after `:`
  (`.npmrc`: `//registry.npmjs.org/:_authToken=…`, not `self._auth = …`).
- `pypi-token`: `pypi-AgE…`; `huggingface-token`: `hf_` or `api_org_` and 34
  letters or digits.
- `private-key`: a `-----BEGIN … PRIVATE KEY-----` block to its `-----END …`
  line (PEM, PKCS#8, OpenSSH, PGP, encrypted PEM with its headers, and in
  JSON with `\\n` for new lines); one cut short, to the end of its base64
  lines. A block with no base64 in it (the two lines quoted in prose) stays.
- `jwt`: `eyJ….ey….signature` (a JSON Web Token's header and payload are
  base64url of JSON objects, so they start with `eyJ` and `ey`).
- `password`: the password of a URI, `scheme://user:PASSWORD@host` (scheme,
  user and host stay), and the value of an environment variable whose name
  ends in `PASSWORD`, `PASSWD`, `PASSPHRASE`, `_PASS` or `_PWD`
  (`PGPASSWORD=… psql`, `-e MYSQL_ROOT_PASSWORD=…`). References and
  placeholders (`$PGPASSWORD`, `${DB_PASS}`, `<password>`, `password`,
  `****`) stay: they are not secrets, and documentation is full of them.
- `secret`: the value of an environment variable whose name ends in
  `SECRET`, `TOKEN`, `API_KEY`, `SECRET_KEY`, `ACCESS_KEY`, `CREDENTIALS`, …
  (`.env` files, `export`, `--from-literal=`), when no rule above knew it.

The rules come from Atuin's secrets filter (`atuin-client/src/secrets.rs`),
gitleaks' default rules (`config/gitleaks.toml`) and detect-secrets' plugins,
narrowed where those match ordinary text: a key is glued to no other token
character (`task-sk-2`, `hf_hub_download` and `sk_buff` are words), token
bodies must look random (`ghp_xxxx…` and `sk-your-key-here…` are
placeholders), and `AKIA` takes exactly 16 more characters. Of generic assignments
only environment variables are taken (an upper-case name, `=` with no space,
not an attribute like `this.STORAGE_KEY=`), and only a value that mixes
letters with digits or both cases and is not a reference, a path, a URL or
a dotted name: `password = …` and `api_key: …` in code are left alone, as
the value beside such a name there is far more often a variable, a call or
a placeholder than a secret. The rules run in order, the longest formats
first, and passwords and environment variables last, so that a token used
as one keeps its own kind.

Speed. The daemon appends tens of thousands of events a second, so a text
with no secret must cost about a microsecond at most. Every rule's text
holds a literal (`ghp_`, `sk-`, `eyJ`, `-----BEGIN`, `://`, `TOKEN=`), and
every literal one of seven characters (`_`, `-`, `A`, `J`, `=`, `@`, `/`).
The pre-check asks, for each of those, whether the text holds it at all
(`in`: a `memchr`), and only then runs one trigger regex that starts with
that character and looks around each occurrence for the literals, behind a
one-character guard that turns most occurrences in ordinary text away at
once. A text whose triggers all stay quiet is returned as it is; otherwise
only the rules behind the triggers that fired run. Most rules start with
their literal (so `re` scans for one character), and every repeat is
bounded, possessive where it can be, so a megabyte of near-misses takes
milliseconds.

The replacement, `[redacted:KIND]`, matches no rule and no value stretches
over one, so redacting twice changes nothing.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable
from typing import Final, NamedTuple

KINDS: Final[tuple[str, ...]] = (
    "private-key",
    "jwt",
    "anthropic-key",
    "openai-key",
    "github-token",
    "gitlab-token",
    "slack-token",
    "slack-webhook",
    "stripe-key",
    "google-api-key",
    "google-client-secret",
    "npm-token",
    "pypi-token",
    "huggingface-token",
    "aws-access-key",
    "aws-secret-key",
    "aws-session-token",
    "password",
    "secret",
)

_MARK: Final = "[redacted:"
# A marker left by an earlier rule is not part of a value: the rules that take
# "whatever follows a name" build their value of this, one character at a
# time.
_NOT_MARK: Final = r"(?!\[redacted:)"


def _value_of(chars: str) -> str:
    """One character of the class `[chars]` that does not start a marker."""
    return rf"(?:{_NOT_MARK}[{chars}])"


# A new line, raw or escaped (`\n` in JSON, `\r\n`).
_NL: Final = r"(?:\r?\n|\\r?\\n)"
# Key/value separators: `=`, `:`, `=>`, `:=`, or white space (command lines).
_SEP: Final = r"""["']?\]?(?:[ \t]*(?::=|=>|[:=])[ \t]*|[ \t]+)["']?"""
_QUOTED: Final = r"^\s\"'"
_PASSWORD: Final = r"^\s/?#\"'`<>"
_SHELL_WORD: Final = r"^\s\"'`;&|<>\\"
_ENV_PASSWORD: Final = ("PASSWORD", "PASSWD", "PASSPHRASE", "_PASS", "_PWD")
_ENV_SECRET: Final = (
    "SECRET",
    "TOKEN",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    *(
        f"{word}_KEY"
        for word in ("API", "SECRET", "ACCESS", "PRIVATE", "AUTH", "ENCRYPTION", "SIGNING")
    ),
    "MASTER_KEY",
    "LICENSE_KEY",
)
_ENV_NAME_CHARS: Final = frozenset(string.ascii_uppercase + string.digits + "_")
_ENV_VALUE: Final = (
    rf"(?P<q>['\"]?)(?P<s>{_value_of(_SHELL_WORD)}{{6,200}}+)(?P=q)(?![{_SHELL_WORD}])"
)
_ASSIGN_SEP: Final = r"[ \t]*=[ \t]*[\"']?"

Check = Callable[[str], bool]


class _Rule(NamedTuple):
    kind: str
    pattern: re.Pattern[str]
    # The group replaced ("s"), or the whole match (None).
    group: str | None = None
    # Whether a value found is a secret (placeholders, references and the
    # like are not).
    check: Check | None = None
    # Whether the match stands where a secret would (the name before it).
    context: Callable[[re.Match[str]], bool] | None = None


def _mixed(value: str) -> bool:
    """Upper and lower case letters and a digit or symbol: random, not a word
    or a hex digest."""
    return (
        any(c.isupper() for c in value) and any(c.islower() for c in value) and not value.isalpha()
    )


def _not_example(value: str) -> bool:
    """Not AWS's documentation examples (`AKIAIOSFODNN7EXAMPLE`,
    `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`)."""
    return "EXAMPLE" not in value


def _random(value: str) -> bool:
    """Varied, with an upper-case letter or a digit beside the lower-case
    prefix: a key, not words joined by hyphens (`sk-your-key-here…`) or a
    placeholder (`ghp_xxxx…`)."""
    return len(set(value)) >= 12 and any(c.isupper() or c.isdigit() for c in value)


_BASE64_RUN: Final = re.compile(r"[A-Za-z0-9+/=]{16}")


def _has_base64(value: str) -> bool:
    """A key block has a key in it: a line of base64, not a sentence that
    quotes the BEGIN and END lines."""
    return _BASE64_RUN.search(value) is not None


def _random_mixed_case(value: str) -> bool:
    """`_random`, and letters of both cases after the prefix (as in Hugging
    Face tokens; `hf_` and 34 lower-case letters is an identifier)."""
    tail = value.rsplit("_", 1)[-1]
    return _random(value) and any(c.islower() for c in tail) and any(c.isupper() for c in tail)


_PLACEHOLDERS: Final = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "pw",
        "secret",
        "your_password",
        "your-password",
        "yourpassword",
        "token",
    }
)


def _is_value(value: str) -> bool:
    """A password or token as written, not a reference to one or a
    placeholder for one (`$PGPASSWORD`, `${X}`, `{{ x }}`, `<password>`,
    `%s`, `****`, `password`)."""
    if value[0] in "$<{[%" or value.lower() in _PLACEHOLDERS:
        return False
    return value.strip("*xX.•·") != ""


_DOTTED: Final = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def _env_value(value: str) -> bool:
    """The value of a variable, written out: not a reference (`$X`,
    `${X}`, `$(cmd)`), a path, a URL, an attribute (`settings.SECRET_KEY`) or
    a word (`changeme`, `your-api-key-here`), but letters with digits or
    with both cases."""
    if not _is_value(value) or value[0] in "/~." or "://" in value or "$(" in value:
        return False
    if "${" in value or _DOTTED.fullmatch(value):
        return False
    has_digit = any(c.isdigit() for c in value)
    both_cases = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return any(c.isalpha() for c in value) and (has_digit or both_cases)


def _env_name(match: re.Match[str], words: tuple[str, ...]) -> bool:
    """The name before the `=` at `match` is an environment variable's (upper
    case, digits and `_`, glued to nothing before it and not an attribute like
    `this.STORAGE_KEY`) and ends in one of `words`."""
    text, end = match.string, match.start()
    start = end
    while start > 0 and end - start <= 64 and text[start - 1] in _ENV_NAME_CHARS:
        start -= 1
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.$"):
        return False
    return text[start:end].endswith(words)


def _token(prefix: str, body: str, *, dash: bool = False) -> str:
    """`prefix` then `body`, glued to no other token character (`dash`:
    hyphens count as token characters too). The prefix comes first, so
    that `re` looks for it with a plain scan for its first character."""
    chars = "A-Za-z0-9_-" if dash else "A-Za-z0-9_"
    lit = re.escape(prefix)
    return rf"{lit}(?<![{chars}]{lit}){body}(?![{chars}])"


_BEGIN: Final = r"----(?:-? ?)BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}"
_END: Final = r"-{4,5} ?END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)? ?-{4,5}"
_LINE: Final = rf"(?:[ \t]*{_NL})++[ \t]*+"
_URLSAFE: Final = "[A-Za-z0-9_-]"
_STRIPE: Final = r"(?:live|test|prod)_[A-Za-z0-9]{10,247}+"
_AWS_SECRET_VALUE: Final = (
    rf"(?:[ \t]*\[[^\]\r\n]{{0,40}}\])?{_SEP}(?P<s>[A-Za-z0-9/+]{{40}})(?![A-Za-z0-9/+=])"
)
_AWS_TOKEN_VALUE: Final = rf"{_SEP}(?P<s>[A-Za-z0-9/+=%]{{100,8192}}+)"

# In the order they run: blocks and the longest formats first, so that a
# shorter rule never takes part of a longer secret; passwords in URIs and
# environment variables last, so that a token used as one keeps its own kind.
_RULES: Final[tuple[_Rule, ...]] = (
    # BEGIN to END; the body stops at the first run of dashes, so that each
    # BEGIN is looked at once. Cut short (no END): the BEGIN line, its headers
    # (`Proc-Type: …`) and its base64 lines.
    _Rule(
        "private-key",
        re.compile(
            rf"{_BEGIN}(?:(?:(?!----)[\s\S]){{0,65536}}+{_END}"
            rf"|(?:{_LINE}[A-Za-z][A-Za-z-]{{0,30}}: [^\r\n\\]{{0,256}}+)*+"
            rf"(?:{_LINE}[A-Za-z0-9+/=]{{16,1024}}+)++)"
        ),
        check=_has_base64,
    ),
    _Rule(
        "jwt",
        re.compile(
            _token(
                "eyJ",
                rf"{_URLSAFE}{{8,4096}}+\.ey{_URLSAFE}{{8,16384}}+\.(?:{_URLSAFE}{{8,4096}}+)?",
                dash=True,
            )
        ),
    ),
    _Rule(
        "anthropic-key",
        re.compile(_token("sk-ant-", rf"[a-z]{{2,8}}[0-9]{{2}}-{_URLSAFE}{{20,300}}+", dash=True)),
        check=_random,
    ),
    _Rule(
        "openai-key",
        re.compile(
            _token(
                "sk-",
                rf"(?:(?:proj|svcacct|admin|None)-{_URLSAFE}{{20,300}}+|[A-Za-z0-9]{{32,300}}+)",
                dash=True,
            )
        ),
        check=_random,
    ),
    _Rule(
        "github-token",
        re.compile(
            _token("g", r"(?:h[pousr]_[A-Za-z0-9]{36,251}+|ithub_pat_[A-Za-z0-9_]{80,251}+)")
        ),
        check=_random,
    ),
    _Rule(
        "gitlab-token",
        re.compile(
            _token(
                "gl",
                rf"(?:pat|dt|ft|rt|ptt|oas|imt|cbt|soat|agent|ffct)-{_URLSAFE}{{20,300}}+"
                r"(?:\.[A-Za-z0-9]{2,12}+){0,2}+",
                dash=True,
            )
        ),
        check=_random,
    ),
    _Rule(
        "slack-token",
        re.compile(_token("x", r"(?:ox[a-z]|app)-[0-9][A-Za-z0-9-]{9,300}+", dash=True)),
        check=_random,
    ),
    _Rule(
        "slack-webhook",
        re.compile(
            r"hooks\.slack\.com/(?:services|workflows|triggers)/"
            r"(?P<s>[A-Za-z0-9_/+-]{20,300}+)"
        ),
        group="s",
    ),
    _Rule("stripe-key", re.compile(_token("sk_", _STRIPE)), check=_random),
    _Rule("stripe-key", re.compile(_token("rk_", _STRIPE)), check=_random),
    _Rule("stripe-key", re.compile(_token("whsec_", r"[A-Za-z0-9+/=]{24,100}+")), check=_random),
    _Rule(
        "google-api-key",
        re.compile(_token("AIza", rf"{_URLSAFE}{{35}}", dash=True)),
        check=_random,
    ),
    _Rule(
        "google-client-secret",
        re.compile(_token("GOCSPX-", rf"{_URLSAFE}{{28}}", dash=True)),
        check=_random,
    ),
    _Rule("npm-token", re.compile(_token("npm_", r"[A-Za-z0-9]{36}")), check=_random),
    _Rule(
        "npm-token",
        re.compile(
            rf"_(?<![^:\n]_)(?:authToken|auth|password){_ASSIGN_SEP}"
            rf"(?P<s>{_value_of(_QUOTED)}{{6,512}}+)"
        ),
        group="s",
        check=_is_value,
    ),
    _Rule(
        "pypi-token",
        re.compile(_token("pypi-AgE", rf"{_URLSAFE}{{50,1000}}+", dash=True)),
        check=_random,
    ),
    _Rule(
        "huggingface-token", re.compile(_token("hf_", r"[A-Za-z0-9]{34}")), check=_random_mixed_case
    ),
    _Rule(
        "huggingface-token",
        re.compile(_token("api_org_", r"[A-Za-z0-9]{34}")),
        check=_random_mixed_case,
    ),
    _Rule(
        "aws-access-key",
        re.compile(r"A(?<![A-Za-z0-9]A)(?:KIA|SIA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
        check=_not_example,
    ),
    # A key's name in its usual spellings, each starting with a literal:
    # `aws_secret_access_key`, `AWS_SECRET_ACCESS_KEY`, `secret_key`,
    # `--aws-secret-access-key`, `SecretAccessKey`, `AWS Secret Access Key`.
    *(
        _Rule("aws-secret-key", re.compile(name + _AWS_SECRET_VALUE), group="s", check=_not_example)
        for name in (
            r"_(?i:(?<=aws_)secret_(?:access_)?key|(?<=secret_)(?:access_)?key)",
            r"-(?i:(?<=aws-)secret-(?:access-)?key|(?<=secret-)access-key)",
            r"A(?:(?<=[Ss]ecretA)ccessKey|(?<=SECRETA)CCESSKEY)",
            r"AWS[ _-]?[Ss]ecret[ _-]?[Aa]ccess[ _-]?[Kk]ey",
        )
    ),
    *(
        _Rule("aws-session-token", re.compile(name + _AWS_TOKEN_VALUE), group="s")
        for name in (
            r"_(?i:(?<=aws_)se(?:ssion|curity)_token)",
            r"-(?i:(?<=aws-)se(?:ssion|curity)-token|(?<=x-amz-)security-token)",
        )
    ),
    # Greedy, not lazy: a password with an unescaped `@` ends at the last one.
    _Rule(
        "password",
        re.compile(
            r"://[^\s/?#@:\"'`<>\[\]]{0,256}+:"
            rf"(?P<s>{_value_of(_PASSWORD)}{{1,256}})@"
        ),
        group="s",
        check=_is_value,
    ),
    # Environment variables, as a shell, `.env` or `docker run -e` sets them:
    # an upper-case name that ends in a credential's word, `=` with no space.
    # The rule starts at the `=` (a plain scan for one character), and
    # `context` reads the name back from there.
    _Rule(
        "password",
        re.compile(rf"=(?<=[A-Z]=)(?<=WORD=|SSWD=|RASE=|PASS=|_PWD=){_ENV_VALUE}"),
        group="s",
        check=_env_value,
        context=lambda match: _env_name(match, _ENV_PASSWORD),
    ),
    _Rule(
        "secret",
        re.compile(rf"=(?<=[A-Z]=)(?<=CRET=|OKEN=|_KEY=|IKEY=|IALS=|TIAL=){_ENV_VALUE}"),
        group="s",
        check=_env_value,
        context=lambda match: _env_name(match, _ENV_SECRET),
    ),
)

assert tuple(dict.fromkeys(rule.kind for rule in _RULES)) == KINDS


def _mask(*kinds: str) -> int:
    return sum(1 << i for i, rule in enumerate(_RULES) if rule.kind in kinds)


_M_ALL: Final = (1 << len(_RULES)) - 1
_AWS_ACCESS_KEY: Final = _mask("aws-access-key")

# An AWS secret key with no name beside it, near an access key.
_AWS_NEAR: Final = 1000
_AWS_BARE: Final = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_AWS_SESSION_TOKEN: Final = re.compile(
    rf"(?<![A-Za-z0-9])[Ss]ession_?[Tt]oken{_SEP}(?P<s>[A-Za-z0-9/+=%]{{100,8192}}+)"
)
_AWS_KEY_MARK: Final = _MARK + "aws-access-key]"


class _Trigger(NamedTuple):
    pattern: re.Pattern[str]
    masks: dict[str, int]  # the rules each alternative calls for, by group


def _trigger(
    lead: str,
    *,
    guard: str = "",
    guarded: tuple[tuple[str, tuple[str, ...]], ...] = (),
    plain: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> _Trigger:
    """One regex: `lead` (a literal, so that `re` finds its candidates with a
    plain scan for its first character), then any of the alternatives, each
    with the kinds it calls for. The `guarded` ones are tried only where
    `guard` (a cheap look-behind) holds, which rejects most candidates in
    ordinary text at once."""
    masks: dict[str, int] = {}

    def branch(alternatives: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
        parts = []
        for alt, kinds in alternatives:
            name = f"t{len(masks)}"
            masks[name] = _mask(*kinds)
            parts.append(f"{alt}(?P<{name}>)")
        return "|".join(parts)

    branches = [f"{guard}(?:{branch(guarded)})"] if guarded else []
    if plain:
        branches.append(branch(plain))
    return _Trigger(re.compile(f"{re.escape(lead)}(?:{'|'.join(branches)})"), masks)


# The triggers. Each rule's text holds the literal one of them looks for: a
# trigger may fire without a secret (that costs time), but never misses one
# (the tests compare `redact` with running every rule on every text).
_AWS_SECRET: Final = ("aws-secret-key",)
_AWS_BOTH: Final = ("aws-secret-key", "aws-session-token")
_T_UNDERSCORE: Final = _trigger(
    "_",
    # The last letter of every prefix below: most of the `_` in snake_case
    # follow another.
    guard=r"(?<=[bcfgkmoprstuST]_)",
    guarded=(
        (r"(?<=gh[pousr]_)", ("github-token",)),
        (r"(?<=github_)(?=pat_)", ("github-token",)),
        (r"(?<=npm_)", ("npm-token",)),
        (r"(?<=hf_)", ("huggingface-token",)),
        (r"(?<=api_org_)", ("huggingface-token",)),
        (r"(?<=[sr]k_)(?=live_|test_|prod_)", ("stripe-key",)),
        (r"(?<=whsec_)", ("stripe-key",)),
        (r"(?i:(?<=aws_)(?=se[cs]))", _AWS_BOTH),
        (r"(?i:(?<=secret_)(?=access|key))", _AWS_SECRET),
    ),
    plain=((r"(?<![^:\n]_)(?=auth(?:Token)?[ \t]*=|password[ \t]*=)", ("npm-token",)),),
)
_T_DASH: Final = _trigger(
    "-",
    # After a letter (not the digits of a date, a space or another dash).
    guard=r"(?<=[a-zSTXZ]-)",
    guarded=(
        (r"(?<=sk-)", ("anthropic-key", "openai-key")),
        (r"(?<=gl[a-z]{2}-)", ("gitlab-token",)),
        (r"(?<=gl[a-z]{3}-)", ("gitlab-token",)),
        (r"(?<=gl[a-z]{4}-)", ("gitlab-token",)),
        (r"(?<=gl[a-z]{5}-)", ("gitlab-token",)),
        (r"(?<=xox[a-z]-)", ("slack-token",)),
        (r"(?<=xapp-)", ("slack-token",)),
        (r"(?<=GOCSPX-)", ("google-client-secret",)),
        (r"(?<=pypi-)(?=AgE)", ("pypi-token",)),
        (r"(?i:(?<=aws-)(?=se[cs]))", _AWS_BOTH),
        (r"(?i:(?<=secret-)(?=access))", _AWS_SECRET),
        (r"(?i:(?<=amz-)(?=security-token))", ("aws-session-token",)),
    ),
    plain=((r"(?=-{2,4} ?BEGIN)", ("private-key",)),),
)
_T_A: Final = _trigger(
    "A",
    plain=(
        (r"(?=KIA|SIA)", ("aws-access-key",)),
        (r"(?=Iza)", ("google-api-key",)),
        (r"(?=ccess|CCESS|WS)", _AWS_SECRET),
    ),
)
_T_J: Final = _trigger("J", plain=((r"(?<=eyJ)", ("jwt",)),))
_T_EQUALS: Final = _trigger(
    "=",
    # After an upper-case letter (`x=1`, `a == b` and `key="v"` are turned
    # away at once), then the last four characters of a credential's word.
    guard=r"(?<=[A-Z]=)",
    guarded=(
        (r"(?<=WORD=|SSWD=|RASE=|PASS=|_PWD=)", ("password",)),
        (r"(?<=CRET=|OKEN=|_KEY=|IKEY=|IALS=|TIAL=)", ("secret",)),
    ),
)
_T_AT: Final = _trigger("://", plain=((r"[^\s/?#@]{0,600}+@", ("password",)),))
_M_SLACK_WEBHOOK: Final = _mask("slack-webhook")


def _fired(trigger: _Trigger, text: str) -> int:
    todo = 0
    for match in trigger.pattern.finditer(text):
        todo |= trigger.masks[match.lastgroup or ""]
    return todo


def _triggered(text: str) -> int:
    """The rules worth running on `text`, as a bit mask (0: none).

    Unrolled on purpose: it runs for every text stored, and a text with no
    secret mostly costs a few `in` tests (each a `memchr`) and a regex or two
    that scan for one character."""
    todo = 0
    if "_" in text and _T_UNDERSCORE.pattern.search(text):
        todo |= _fired(_T_UNDERSCORE, text)
    if "-" in text and _T_DASH.pattern.search(text):
        todo |= _fired(_T_DASH, text)
    if "A" in text and _T_A.pattern.search(text):
        todo |= _fired(_T_A, text)
    if "J" in text and _T_J.pattern.search(text):
        todo |= _fired(_T_J, text)
    if "=" in text and _T_EQUALS.pattern.search(text):
        todo |= _fired(_T_EQUALS, text)
    if "@" in text and _T_AT.pattern.search(text):
        todo |= _fired(_T_AT, text)
    if "/" in text and "hooks.slack.com/" in text:
        todo |= _M_SLACK_WEBHOOK
    return todo


def _apply(rule: _Rule, text: str, counts: dict[str, int]) -> str:
    """`text` with the rule's secrets replaced, their number added to
    `counts`; `text` itself when there were none.

    A match its check turns down (a placeholder, a word) gives way to the
    next one found from its second character on, not from its end: it must
    not hide a secret that starts inside it, which a second pass, after other
    rules changed the text, would find (redacting must be idempotent)."""
    marker = f"{_MARK}{rule.kind}]"
    pattern, group, check = rule.pattern, rule.group, rule.check
    parts: list[str] = []
    done = pos = 0
    while match := pattern.search(text, pos):
        # A rule's named group may be in one of its alternatives only.
        name = group if group is not None and match.start(group) >= 0 else None
        if (check is not None and not check(match[name or 0])) or (
            rule.context is not None and not rule.context(match)
        ):
            pos = match.start() + 1
            continue
        parts += (text[done : match.start(name or 0)], marker)
        done = pos = match.end(name or 0)
        if pos == match.start():
            pos += 1
    if not parts:
        return text
    parts.append(text[done:])
    counts[rule.kind] = counts.get(rule.kind, 0) + len(parts) // 2
    return "".join(parts)


def _aws_near(text: str, counts: dict[str, int]) -> str:
    """Near an access key: AWS secret keys with no name beside them, and the
    `SessionToken` of STS's JSON."""
    keys = [m.start() for m in re.finditer(re.escape(_AWS_KEY_MARK), text)]

    def near(match: re.Match[str]) -> bool:
        i = bisect.bisect_left(keys, match.start() - _AWS_NEAR)
        return i < len(keys) and keys[i] <= match.start() + _AWS_NEAR

    def secret(match: re.Match[str]) -> str:
        if _mixed(match[0]) and _not_example(match[0]) and near(match):
            counts["aws-secret-key"] = counts.get("aws-secret-key", 0) + 1
            return f"{_MARK}aws-secret-key]"
        return match[0]

    def token(match: re.Match[str]) -> str:
        if not near(match):
            return match[0]
        counts["aws-session-token"] = counts.get("aws-session-token", 0) + 1
        return match[0][: match.start("s") - match.start()] + f"{_MARK}aws-session-token]"

    return _AWS_SESSION_TOKEN.sub(token, _AWS_BARE.sub(secret, text))


def _run(text: str, todo: int, counts: dict[str, int]) -> str:
    out = text
    for i, rule in enumerate(_RULES):
        if todo >> i & 1:
            out = _apply(rule, out, counts)
            if 1 << i == _AWS_ACCESS_KEY and "aws-access-key" in counts:
                out = _aws_near(out, counts)
    return out if counts else text


def scan(text: str) -> tuple[str, dict[str, int]]:
    """`text` with every secret replaced by `[redacted:KIND]`, and how many of
    each kind were replaced (an empty dict, and `text` itself, when none)."""
    counts: dict[str, int] = {}
    todo = _triggered(text)
    if not todo:
        return text, counts
    return _run(text, todo, counts), counts


def redact(text: str) -> str:
    """`text` with every secret replaced by `[redacted:KIND]`; the very same
    object when it holds none."""
    todo = _triggered(text)
    if not todo:
        return text
    return _run(text, todo, {})


def redact_every_rule(text: str) -> str:
    """`redact` without the pre-check: every rule runs on every text. Slower,
    the same result; the tests and the benchmark compare the two."""
    return _run(text, _M_ALL, {})
