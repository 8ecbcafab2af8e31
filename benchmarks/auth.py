"""What authenticating an upload costs: a password (argon2id) against an API token (macaroon).

    .venv/bin/python benchmarks/auth.py [--rounds N]

In process, on a fresh SQLite database in a temporary directory: creates one account and one
project-scoped token, then times `UserService.authenticate` (argon2-cffi's default
parameters, what `bastion serve` uses) and `TokenService.verify` (a primary-key lookup and
the HMAC chain), interleaved, and prints a Markdown table with the ratio. Nothing here runs in
the test suite.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from bastion.accounts.services import UserService
from bastion.config import Settings
from bastion.db import schema
from bastion.db.engine import make_engines
from bastion.db.types import utcnow
from bastion.tokens.caveats import Restrictions
from bastion.tokens.services import TokenService

_PASSWORD = "benchmark password that is long enough"  # noqa: S105 - a throwaway account


def _time_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50, help="timings of each (default 50)")
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as directory:
        engines = make_engines(Settings(database_url=f"sqlite:///{Path(directory) / 'b.db'}"))
        schema.upgrade(engines.writer)
        with Session(engines.writer) as session:
            user = UserService(session).create_user("bench", email="b@x.org", password=_PASSWORD)
            now = utcnow()
            restrictions = Restrictions(
                user_id=user.id,
                project_ids=frozenset({1}),
                not_before=now,
                expires=now + datetime.timedelta(days=1),
            )
            _, token = TokenService(session).create(user.id, "bench", restrictions)
            session.commit()
        password_ms, token_ms = [], []
        for _ in range(rounds):
            with Session(engines.reader) as session:
                check = functools.partial(UserService(session).authenticate, "bench", _PASSWORD)
                password_ms.append(_time_ms(check))
            with Session(engines.reader) as session:
                token_ms.append(_time_ms(functools.partial(TokenService(session).verify, token)))
        engines.dispose()
    _report(rounds, password_ms, token_ms)


def _report(rounds: int, password_ms: list[float], token_ms: list[float]) -> None:
    rows = [("password (argon2id)", password_ms), ("API token (macaroon)", token_ms)]
    print(f"Authenticating one upload, {rounds} rounds each, interleaved (ms):\n")
    print("| credential | p50 ms | mean ms | max ms | per second (1 core) |")
    print("|---|--:|--:|--:|--:|")
    for label, values in rows:
        p50 = statistics.median(values)
        print(
            f"| {label} | {p50:.2f} | {statistics.mean(values):.2f} | {max(values):.2f} "
            f"| {1000 / p50:,.0f} |"
        )
    ratio = statistics.median(password_ms) / statistics.median(token_ms)
    print(f"\nA token costs 1/{ratio:,.0f} of a password check.")


if __name__ == "__main__":
    main()
