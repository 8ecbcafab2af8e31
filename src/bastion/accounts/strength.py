"""How hard a new password is to guess: a minimum length, then zxcvbn's score.

zxcvbn estimates guesses against dictionaries (common passwords, names, English words), keyboard
patterns, dates, repeats and sequences, and the user's own details passed as `user_inputs`;
its score runs from 0 (too guessable) to 4. Whether a password has leaked is `breaches.py`'s
question.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from bastion.accounts.errors import GuessablePasswordError, PasswordTooShortError

MIN_PASSWORD_LENGTH = 8
MIN_STRENGTH_SCORE = 2
# zxcvbn refuses longer input (its matching grows quadratically with length); a longer
# password is judged on its first 72 characters.
_ZXCVBN_MAX_LENGTH = 72
# zxcvbn keeps the current user_inputs in a module-level dictionary: two threads scoring at
# once could each see the other's.
_zxcvbn_lock = threading.Lock()


def check_password_strength(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """Refuse `password` if it is short, or if zxcvbn scores it below MIN_STRENGTH_SCORE.

    `user_inputs` are words of this account (username, email) that zxcvbn treats as known to
    an attacker.

    Raises:
        PasswordTooShortError: fewer than MIN_PASSWORD_LENGTH characters.
        GuessablePasswordError: zxcvbn's score is below MIN_STRENGTH_SCORE; carries its advice.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShortError(MIN_PASSWORD_LENGTH)
    # Imported here: loading its word lists takes a tenth of a second, and every `bastion`
    # command imports this module while few of them set a password.
    from zxcvbn import zxcvbn  # noqa: PLC0415

    with _zxcvbn_lock:
        result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[*user_inputs])
    score = int(result["score"])
    if score < MIN_STRENGTH_SCORE:
        feedback = result["feedback"]
        raise GuessablePasswordError(
            score, warning=str(feedback["warning"]), suggestions=list(feedback["suggestions"])
        )
