"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher

from bastion.accounts.passwords import Passwords

PASSWORD = "correct horse battery staple"
# Cheap parameters: the behaviour under test does not depend on the cost.
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def test_a_hash_is_argon2id_and_never_contains_the_password():
    hashed = Passwords(FAST).hash(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed


def test_the_right_password_verifies_and_a_wrong_one_does_not():
    passwords = Passwords(FAST)
    hashed = passwords.hash(PASSWORD)
    assert passwords.verify(hashed, PASSWORD) is True
    assert passwords.verify(hashed, PASSWORD + " ") is False
    assert passwords.verify(hashed, PASSWORD.upper()) is False
    assert passwords.verify(hashed, "") is False


def test_each_hash_has_its_own_salt():
    passwords = Passwords(FAST)
    first, second = passwords.hash(PASSWORD), passwords.hash(PASSWORD)
    assert first != second
    assert passwords.verify(first, PASSWORD)
    assert passwords.verify(second, PASSWORD)


def test_a_malformed_stored_hash_verifies_nothing():
    passwords = Passwords(FAST)
    for stored in ("", "plaintext", "$argon2id$v=19$garbage", "$2b$12$bcrypt.hash.here"):
        assert passwords.verify(stored, PASSWORD) is False


def test_a_hash_made_with_other_parameters_needs_rehashing():
    default = Passwords(PasswordHasher())  # the production parameters, not the suite's cheap ones
    assert default.needs_rehash(Passwords(FAST).hash(PASSWORD)) is True
    assert default.needs_rehash(default.hash(PASSWORD)) is False


def test_the_default_parameters_verify_what_they_hash():
    passwords = Passwords()
    assert passwords.verify(passwords.hash(PASSWORD), PASSWORD)
