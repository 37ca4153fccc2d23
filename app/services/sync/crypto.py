"""Passphrase encryption of a whole package: scrypt derives the key, AES-256-GCM encrypts (the
`cryptography` package does all of it; nothing here is hand-made cryptography).

File layout: ``MAGIC``, a 4-byte big-endian header length, a JSON header (KDF parameters, salt, nonce),
the ciphertext, and the 16-byte GCM tag. The magic and header are authenticated as associated data.
Encryption and decryption stream in chunks, so memory does not grow with the package; decryption writes
to a private temporary file and nothing of it is used before the tag has been verified.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.services.sync.errors import PackageRefused

MAGIC = b"TANDEM-ENCRYPTED-PACKAGE\n"
CHUNK = 1 << 20
TAG_SIZE = 16
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 15, 8, 1
MAX_HEADER = 4096


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def encrypt_stream(src: BinaryIO, dst: BinaryIO, passphrase: str) -> None:
    """Encrypt everything read from ``src`` into ``dst``."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = json.dumps({"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": salt.hex(),
                         "cipher": "AES-256-GCM", "nonce": nonce.hex()}).encode()
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    enc = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    prefix = MAGIC + struct.pack(">I", len(header)) + header
    enc.authenticate_additional_data(prefix)
    dst.write(prefix)
    while chunk := src.read(CHUNK):
        dst.write(enc.update(chunk))
    dst.write(enc.finalize())
    dst.write(enc.tag)


def decrypt_file(path: Path, out: Path, passphrase: str | None) -> None:
    """Decrypt the package at ``path`` into ``out``. Raises `PackageRefused` on a missing or wrong passphrase
    or a damaged file (``out`` must then be discarded)."""
    if not passphrase:
        raise PackageRefused("This package is encrypted: give its passphrase (--passphrase-file).")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.read(len(MAGIC))
        raw_len = fh.read(4)
        if len(raw_len) != 4:
            raise PackageRefused("The encrypted package is truncated.")
        (header_len,) = struct.unpack(">I", raw_len)
        if header_len > MAX_HEADER:
            raise PackageRefused("The encrypted package is damaged (its header is not valid).")
        header_bytes = fh.read(header_len)
        try:
            header = json.loads(header_bytes)
            n, r, p = int(header["n"]), int(header["r"]), int(header["p"])
            salt, nonce = bytes.fromhex(header["salt"]), bytes.fromhex(header["nonce"])
            if header.get("kdf") != "scrypt" or header.get("cipher") != "AES-256-GCM":
                raise ValueError("unknown algorithm")
            # Bounds, so a hostile header cannot make key derivation take gigabytes or hours.
            if not (2 <= n <= 1 << 20 and n & (n - 1) == 0 and 1 <= r <= 16 and 1 <= p <= 4 and len(nonce) == 12):
                raise ValueError("parameters out of range")
        except (ValueError, KeyError, TypeError) as exc:
            raise PackageRefused("The encrypted package is damaged (its header is not valid).") from exc
        start = len(MAGIC) + 4 + header_len
        body = size - start - TAG_SIZE
        if body < 0:
            raise PackageRefused("The encrypted package is truncated.")
        fh.seek(size - TAG_SIZE)
        tag = fh.read(TAG_SIZE)
        fh.seek(start)
        key = _derive(passphrase, salt, n, r, p)
        dec = Cipher(algorithms.AES(key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(MAGIC + raw_len + header_bytes)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as dst:
            left = body
            while left > 0:
                chunk = fh.read(min(CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                dst.write(dec.update(chunk))
            try:
                dst.write(dec.finalize())
            except InvalidTag as exc:
                raise PackageRefused(
                    "Wrong passphrase, or the encrypted package is damaged: it could not be decrypted."
                ) from exc
