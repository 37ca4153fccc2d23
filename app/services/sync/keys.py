"""This device's Ed25519 signing key, made on first use and kept in the user's data folder.

One key per device id (``keys/<device-id>.ed25519`` under `app.paths.user_data_dir`), so two databases on
one laptop (two device ids) sign as two devices. The private key never leaves the data folder.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.paths import user_data_dir


def key_path(device_id: str) -> Path:
    return user_data_dir() / "keys" / f"{device_id}.ed25519"


def device_key(device_id: str) -> Ed25519PrivateKey:
    """The device's private key, generated and stored (owner-only permissions) the first time."""
    path = key_path(device_id)
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    os.replace(tmp, path)
    return key


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def fingerprint(public_key_b64_text: str) -> str:
    """A short, readable fingerprint of a public key (first 128 bits of its SHA-256, in groups of four)."""
    digest = hashlib.sha256(base64.b64decode(public_key_b64_text)).hexdigest()[:32]
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def verify(public_key_b64_text: str, signature: bytes, data: bytes) -> bool:
    try:
        raw = base64.b64decode(public_key_b64_text, validate=True)
        Ed25519PublicKey.from_public_bytes(raw).verify(signature, data)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False
