"""Agents' passwords: scrypt hashes that verify, refuse the wrong password, and never
crash sign-in on a bad stored value."""

from __future__ import annotations

import base64
import hashlib

import pytest

from frontdesk.adapters.passwords import (
    MIN_LENGTH,
    check_password_strength,
    hash_password,
    verify_password,
)
from frontdesk.errors import InputError

GOOD = "correct horse battery"


def test_a_hash_verifies_its_password_only() -> None:
    stored = hash_password(GOOD)
    assert verify_password(GOOD, stored)
    assert not verify_password("correct horse batterY", stored)
    assert not verify_password(GOOD + " ", stored)
    assert not verify_password("", stored)


def test_a_hash_says_how_it_was_made_and_holds_no_password() -> None:
    stored = hash_password(GOOD)
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(key)) == 64
    assert GOOD not in stored


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]
    assert verify_password(GOOD, first) and verify_password(GOOD, second)


def test_the_hash_is_standard_scrypt() -> None:
    # Anyone with hashlib can check a stored hash: nothing home-made in between.
    stored = hash_password(GOOD)
    _, n, r, p, salt, key = stored.split("$")
    expected = hashlib.scrypt(
        GOOD.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=64
    )
    assert base64.b64decode(key) == expected


def test_non_ascii_passwords_work() -> None:
    password = "pässwörd-日本語-🙂"
    stored = hash_password(password)
    assert verify_password(password, stored)
    assert not verify_password("passwort-日本語-🙂", stored)


def test_stronger_stored_parameters_still_verify() -> None:
    # A hash made with a higher cost (a later default) is read from its own fields.
    salt = b"0123456789abcdef"
    key = hashlib.scrypt(GOOD.encode(), salt=salt, n=2**15, r=8, p=1, maxmem=64 * 2**20)
    stored = (
        f"scrypt${2**15}$8$1${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    )
    assert verify_password(GOOD, stored)
    assert not verify_password("wrong password", stored)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "not a hash",
        "bcrypt$2b$12$whatever",
        "scrypt$16384$8$1$c2FsdA==",  # a field missing
        "scrypt$16384$8$1$!!!$c2FsdA==",  # not base64
        "scrypt$abc$8$1$c2FsdA==$c2FsdA==",  # not a number
        "scrypt$1000$8$1$c2FsdA==$c2FsdA==",  # n not a power of two
        f"scrypt${2**30}$8$1$c2FsdA==$c2FsdA==",  # n large enough to exhaust memory
        "scrypt$16384$0$1$c2FsdA==$c2FsdA==",
        "scrypt$16384$8$1$$c2FsdA==",  # no salt
        "scrypt$16384$8$1$c2FsdA==$",  # no key
    ],
)
def test_a_malformed_stored_hash_is_no_match(stored: str) -> None:
    assert verify_password(GOOD, stored) is False


def test_short_passwords_are_refused_saying_why() -> None:
    with pytest.raises(InputError, match=f"at least {MIN_LENGTH}"):
        check_password_strength("a" * (MIN_LENGTH - 1))
    with pytest.raises(InputError, match="0 characters"):
        check_password_strength("")
    check_password_strength("a" * MIN_LENGTH)  # exactly the minimum is fine


def test_hashing_applies_the_same_policy() -> None:
    with pytest.raises(InputError, match=f"at least {MIN_LENGTH}"):
        hash_password("short")


def test_absurdly_long_passwords_are_refused_cheaply() -> None:
    huge = "x" * 1_000_000
    with pytest.raises(InputError, match="longer than"):
        check_password_strength(huge)
    assert not verify_password(huge, hash_password(GOOD))
