"""Password strength: a minimum length, then zxcvbn's score of at least 2."""

from __future__ import annotations

import pytest

from bastion.accounts.errors import (
    GuessablePasswordError,
    PasswordTooShortError,
    WeakPasswordError,
)
from bastion.accounts.strength import (
    MIN_PASSWORD_LENGTH,
    MIN_STRENGTH_SCORE,
    check_password_strength,
)


@pytest.mark.parametrize(
    "password", ["password1", "P@ssw0rd123", "qwertyuiop", "xxxxxxxx", "hunter22hunter22"]
)
def test_guessable_passwords_are_refused_with_zxcvbns_advice(password):
    with pytest.raises(GuessablePasswordError, match=r"^The password is too easy to guess\. ") as e:
        check_password_strength(password)
    assert e.value.score < MIN_STRENGTH_SCORE
    assert e.value.status_code == 400
    message = str(e.value)
    assert "\n" not in message
    assert password.lower() not in message.lower()
    assert e.value.warning in message
    assert all(suggestion in message for suggestion in e.value.suggestions)


def test_a_common_password_is_named_as_such():
    with pytest.raises(GuessablePasswordError, match="This is a very common password"):
        check_password_strength("password1")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "sCDq7kv9-mXw2", "Tr0ub4dor&3", "violet quantum harbour lamp"],
)
def test_strong_passwords_are_accepted(password):
    check_password_strength(password, user_inputs=["alice", "alice@example.org"])


def test_the_account_s_own_details_count_as_known_to_an_attacker():
    check_password_strength("quillfeather77")  # strong for anyone else
    with pytest.raises(GuessablePasswordError):
        check_password_strength("quillfeather77", user_inputs=["quillfeather", "q@example.org"])


def test_short_passwords_are_refused_before_zxcvbn():
    short = "k#9Qz!v"
    assert len(short) == MIN_PASSWORD_LENGTH - 1
    with pytest.raises(PasswordTooShortError, match=f"at least {MIN_PASSWORD_LENGTH} characters"):
        check_password_strength(short)
    check_password_strength(short + "w")


def test_both_refusals_are_weak_password_errors():
    assert issubclass(PasswordTooShortError, WeakPasswordError)
    assert issubclass(GuessablePasswordError, WeakPasswordError)


def test_a_password_longer_than_zxcvbn_reads_is_judged_on_its_start():
    # zxcvbn raises ValueError past 72 characters; a long password must not be a 500.
    check_password_strength("violet quantum harbour lamp " * 10)
    with pytest.raises(GuessablePasswordError):
        check_password_strength("a" * 200)
