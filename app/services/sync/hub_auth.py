"""Signed requests between a laptop and the team hub (app/hub): no passwords, the laptop's Ed25519 key.

Every request carries four headers: the laptop's device id, the time (Unix seconds), a random nonce, and the
Ed25519 signature of `signed_text` — method, path, time, nonce and the SHA-256 of the body, one per line. The
hub checks the signature with the key it enrolled for that device, refuses a time more than `MAX_SKEW`
seconds away from its own clock, and refuses a nonce it has seen (it keeps them longer than the skew), so a
captured request can be neither altered nor replayed. The headers alone (`unsigned`, and the device they name)
are judged before the hub reads a body: an unknown or revoked laptop's push is refused unread.
The `cryptography` package signs and verifies.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.services.sync.keys import verify

DEVICE, TIME, NONCE, SIGNATURE = "x-tandem-device", "x-tandem-time", "x-tandem-nonce", "x-tandem-signature"
MAX_SKEW = 300  # seconds


def signed_text(method: str, path: str, when: str, nonce: str, body: bytes) -> bytes:
    return "\n".join(["tandem-hub-request-1", method.upper(), path, when, nonce,
                      hashlib.sha256(body).hexdigest()]).encode("ascii")


def sign_request(key: Ed25519PrivateKey, device_id: str, method: str, path: str, body: bytes = b"",
                 now: float | None = None) -> dict[str, str]:
    """The headers that authenticate one request."""
    when = str(int(time.time() if now is None else now))
    nonce = base64.urlsafe_b64encode(os.urandom(18)).decode("ascii")
    sig = key.sign(signed_text(method, path, when, nonce, body))
    return {DEVICE: device_id, TIME: when, NONCE: nonce, SIGNATURE: base64.b64encode(sig).decode("ascii")}


def unsigned(headers) -> str | None:
    """Why a request's headers cannot carry a signature (``None``: they can): read before its body."""
    when, nonce, sig = headers.get(TIME, ""), headers.get(NONCE, ""), headers.get(SIGNATURE, "")
    if not headers.get(DEVICE, "") or not when.isdigit() or not nonce or len(nonce) > 64 or not sig:
        return "the request is not signed"
    return None


def check_request(public_key_b64: str, headers, method: str, path: str, body: bytes,
                  now: float | None = None) -> str | None:
    """Why a request's signature or time is not acceptable (``None``: it is). The nonce is the caller's."""
    when, nonce, sig = headers.get(TIME, ""), headers.get(NONCE, ""), headers.get(SIGNATURE, "")
    if not when.isdigit() or not nonce or len(nonce) > 64 or not sig:
        return "the request is not signed"
    try:
        raw = base64.b64decode(sig, validate=True)
    except ValueError:
        return "the request's signature is not valid"
    if not verify(public_key_b64, raw, signed_text(method, path, when, nonce, body)):
        return "the request's signature is not valid"
    if abs(int(when) - (time.time() if now is None else now)) > MAX_SKEW:
        return "the laptop's clock is more than 5 minutes away from the hub's: check its date and time"
    return None
