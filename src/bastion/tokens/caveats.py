"""The caveats a token carries, as JSON predicates, and the check that satisfies them.

Each first-party caveat is one JSON object with a type `t`:

    {"t": "user", "id": 5}                          only for this user's account
    {"t": "projects", "ids": [12, 40]}              only these projects, by id
    {"t": "time", "nbf": 1763900000, "exp": ...}    not before / not after (Unix seconds)

Project scope is by id, so a project renamed, or deleted and re-created by someone else under
the same name, is not inherited. A holder may add caveats of their own (that is what macaroons
allow): each one only narrows, since every caveat must hold and scopes intersect.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections.abc import Iterable
from typing import Any


@dataclasses.dataclass(frozen=True)
class Restrictions:
    """What a token is created with."""

    user_id: int
    project_ids: frozenset[int] | None  # None: every project the user may upload to
    not_before: datetime.datetime
    expires: datetime.datetime | None  # None: never (only where the index allows it)

    def as_caveats(self) -> list[str]:
        """The first-party caveats that encode these restrictions."""
        caveats = [_dump({"t": "user", "id": self.user_id})]
        if self.project_ids is not None:
            caveats.append(_dump({"t": "projects", "ids": sorted(self.project_ids)}))
        window: dict[str, Any] = {"t": "time", "nbf": int(self.not_before.timestamp())}
        if self.expires is not None:
            window["exp"] = int(self.expires.timestamp())
        caveats.append(_dump(window))
        return caveats


class CaveatChecker:
    """Satisfies a token's caveats for `user_id` at `now`; remembers why one failed.

    Used as pymacaroons' general satisfier, so it sees every caveat, including ones a holder
    added; any caveat it does not understand fails the token.
    """

    def __init__(self, user_id: int, now: datetime.datetime) -> None:
        self._user_id = user_id
        self._now = now.timestamp()
        self.failure: str | None = None
        self.project_ids: frozenset[int] | None = None
        self._saw_user = False

    def __call__(self, predicate: str) -> bool:
        """Whether `predicate` holds."""
        try:
            caveat = json.loads(predicate)
            kind = caveat["t"]
        except (ValueError, TypeError, KeyError):
            return self._fail("it carries a caveat this index does not understand")
        if kind == "user":
            return self._check_user(caveat)
        if kind == "projects":
            return self._check_projects(caveat)
        if kind == "time":
            return self._check_time(caveat)
        return self._fail("it carries a caveat this index does not understand")

    @property
    def saw_user(self) -> bool:
        """Whether the token named its user (a token without one is refused)."""
        return self._saw_user

    def _check_user(self, caveat: dict[str, Any]) -> bool:
        if caveat.get("id") != self._user_id:
            return self._fail("it belongs to another account")
        self._saw_user = True
        return True

    def _check_projects(self, caveat: dict[str, Any]) -> bool:
        ids = caveat.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return self._fail("its project caveat is malformed")
        scope = frozenset(ids)
        self.project_ids = scope if self.project_ids is None else self.project_ids & scope
        return True

    def _check_time(self, caveat: dict[str, Any]) -> bool:
        not_before, expires = caveat.get("nbf"), caveat.get("exp")
        if not isinstance(not_before, int) or not (expires is None or isinstance(expires, int)):
            return self._fail("its time caveat is malformed")
        if self._now < not_before:
            return self._fail(f"it is not valid before {_iso(not_before)}")
        if expires is not None and self._now >= expires:
            return self._fail(f"it expired at {_iso(expires)}")
        return True

    def _fail(self, why: str) -> bool:
        if self.failure is None:
            self.failure = why
        return False


def _dump(caveat: dict[str, Any]) -> str:
    return json.dumps(caveat, separators=(",", ":"), sort_keys=True)


def _iso(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def describe_scope(project_names: Iterable[str] | None) -> str:
    """How a token's scope reads in a listing."""
    return "all projects" if project_names is None else ", ".join(sorted(project_names))
