"""The per-deployment person key: how a person is matched across the core and the HR files without the warehouse
holding anything that gives the person back.

An ID number has little entropy (region × birth date × sequence × check digit: a few hundred million values, fewer
when the birth date is known), so any unkeyed digest of it is reversed by trying them all. The warehouse therefore
holds ``HMAC-SHA256(key, ID number)`` (RFC 2104, Python's ``hmac``), with a 256-bit key created once per deployment
by ``fiscal init`` and kept outside the warehouse and the repository: ``<FISCAL_HOME>/secrets/person_key``
(mode 0600), or the file ``FISCAL_PERSON_KEY_FILE`` names (a secret mount). Without the key, a digest gives
nothing back; with it, only the core could have been asked anyway.

Digests are written in lowercase base32, not hex: 52 characters of ``a-z2-7``, so no digest holds a run of digits
that looks like an ID number, phone number or bank card to a scanner (hex does, often).

Rotating the key (``fiscal init --rotate-person-key``) replaces it; the key's fingerprint is recorded with the
warehouse (``ingest.pipeline.person_key_fingerprint``), so the next refresh sees a different one and rebuilds the
warehouse in full from the core and the exchange archive, re-keyed: no digest of the old key survives.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

ENV_FILE = "FISCAL_PERSON_KEY_FILE"
KEY_BYTES = 32
# What the warehouse keys (ID numbers, persons' accounts, the core's person ids): part of the fingerprint, so a
# warehouse built when less was keyed is rebuilt in full, never left half keyed by an incremental refresh.
KEYED = "iden,acct,per"


def key_path(home: Path) -> Path:
    """Where the deployment's person key lives: ``FISCAL_PERSON_KEY_FILE`` or ``<home>/secrets/person_key``."""
    env = os.environ.get(ENV_FILE)
    return Path(env) if env else Path(home) / "secrets" / "person_key"


def _b32(digest: bytes) -> str:
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


@dataclass(frozen=True)
class PersonKey:
    """A loaded key. ``digest(kind, value)``: the keyed id of a value of a kind (``iden``: an ID number,
    ``acct``: a person's bank account, ``per``: the core's person id); the kind separates the domains, so equal
    strings of two kinds differ."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < KEY_BYTES:
            raise ValueError(f"person key too short: {len(self.secret)} bytes, at least {KEY_BYTES} expected")

    def digest(self, kind: str, value: str) -> str:
        msg = f"{kind}:{value.strip().upper()}".encode()
        return _b32(hmac.new(self.secret, msg, hashlib.sha256).digest())

    def iden(self, iden_no: str | None) -> str | None:
        """The keyed id of a person's ID number (the warehouse's ``iden_hash``)."""
        return self.digest("iden", iden_no) if iden_no else None

    def account(self, acct_no: str | None) -> str | None:
        """A person's bank account as a keyed id: the same account gives the same id, and nothing gives it back."""
        return "p" + self.digest("acct", acct_no)[:24] if acct_no else None

    def person(self, per_id: str | None) -> str | None:
        """The core's person id (``per_id``) as the warehouse shows it: the same person has the same id in every
        table of the warehouse (payroll lines, history, journal), and only the core, holding the key, links it
        back to a name."""
        return "k" + self.digest("per", per_id)[:26] if per_id else None

    @property
    def fingerprint(self) -> str:
        """Names the key and what it keys, without revealing the key (recorded with the warehouse: a new key, or
        a new :data:`KEYED`, forces a full rebuild)."""
        msg = f"fiscal person key fingerprint:{KEYED}".encode()
        return _b32(hmac.new(self.secret, msg, hashlib.sha256).digest())[:16]


def create(home: Path, *, rotate: bool = False) -> tuple[Path, bool]:
    """Make the key file if there is none (or a new one, replacing it, when ``rotate``): 32 random bytes from
    ``secrets``, base64, readable by the owner only. Returns the path and whether a key was written."""
    path = key_path(home)
    if path.exists() and not rotate:
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):        # a mount the process does not own keeps its own mode
        path.parent.chmod(0o700)
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii") + "\n")
    os.replace(tmp, path)
    return path, True


def load(home: Path) -> PersonKey:
    """The deployment's key; created on first use when missing (``fiscal init`` normally has made it)."""
    path = key_path(home)
    if not path.exists():
        create(home)
    text = path.read_text(encoding="ascii").strip()
    try:
        secret = base64.b64decode(text, validate=True)
    except ValueError as e:
        raise ValueError(f"人员密钥文件格式错误 (person key file {path} is not base64): {e}") from None
    return PersonKey(secret)
