"""Agents' passwords, hashed with the standard library's scrypt.

A stored hash says how it was made, ``scrypt$n$r$p$salt$hash`` (salt and hash in
base64), so the cost can be raised later and old hashes still verify. scrypt is
memory-hard: guessing costs an attacker 16 MiB of memory per try, not just time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from frontdesk.errors import InputError

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # 16 MiB and about 50 ms a hash on one core
SALT_BYTES = 16
KEY_BYTES = 64
MIN_LENGTH = 10
# scrypt's cost hardly depends on the password's length, but a megabyte "password"
# posted at the sign-in form is refused before any work is done.
MAX_LENGTH = 1024
# The most a stored hash may ask for: a tampered or corrupt row must not make one
# sign-in allocate gigabytes.
MAX_N = 2**20
MAX_RP = 64
MAX_KEY_BYTES = 1024


def check_password_strength(password: str) -> None:
    """InputError, saying what is wrong, for a password too short (or absurdly long)
    to be an agent's."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"The password is {len(password)} characters; use at least {MIN_LENGTH} "
            "(a few unrelated words are easy to remember and hard to guess)."
        )
    if len(password) > MAX_LENGTH:
        raise InputError(f"The password is longer than {MAX_LENGTH} characters.")


def hash_password(password: str) -> str:
    """A new salted hash of ``password``, after checking its strength: no code path
    can store a password the policy would refuse."""
    check_password_strength(password)
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P)
    return "$".join((SCHEME, str(N), str(R), str(P), _b64(salt), _b64(key)))


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from. A malformed or
    unknown hash is simply not a match: sign-in says no, it does not crash."""
    parsed = _parse(stored)
    if parsed is None or len(password) > MAX_LENGTH:
        return False
    n, r, p, salt, expected = parsed
    key = _scrypt(password, salt, n, r, p, len(expected))
    # Constant time: how long the comparison takes says nothing about the hash.
    return hmac.compare_digest(key, expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int = KEY_BYTES) -> bytes:
    # scrypt needs 128·n·r bytes; OpenSSL's default ceiling (32 MiB) would refuse a
    # stronger stored hash, so allow what the parameters need plus headroom.
    memory = 128 * n * r * 2 + 1024 * 1024
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=length
    )


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return None
    try:
        n, r, p = (int(part) for part in parts[1:4])
        salt = base64.b64decode(parts[4], validate=True)
        key = base64.b64decode(parts[5], validate=True)
    except (ValueError, binascii.Error):
        return None
    # n must be a power of two above 1 for scrypt; bounds keep a bad row cheap.
    if n < 2 or n & (n - 1) or n > MAX_N or not 1 <= r <= MAX_RP or not 1 <= p <= MAX_RP:
        return None
    if not salt or not 1 <= len(key) <= MAX_KEY_BYTES:
        return None
    return n, r, p, salt, key


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")
