"""Whether a password appears in Have I Been Pwned's Pwned Passwords, asked three ways.

- `HibpRangeApi`: the k-anonymity range API. Only the first five hex characters of the
  password's SHA-1 leave the server; the reply lists every breached suffix under that prefix
  (with count-0 decoys, asked for by `Add-Padding`, so its size does not tell the prefix
  either) and the match is made here.
- `RangeDirectory`: a local copy in the layout of HIBP's downloader (`-s false`): one file
  `{PREFIX}.txt` per prefix, each holding what the API would answer.
- `SortedHashFile`: one file of `HASH:COUNT` lines sorted by hash (the downloader's default
  output). It holds about a billion lines, so it is bisected on byte offsets, never read whole.

`LocalPwnedPasswords` picks between the two local layouts, `NullBreachChecker` accepts every
password, and `breach_checker_for(settings)` builds the one the settings name. What happens
when a list cannot be consulted is the password policy's decision (`policy.py`), not theirs.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

from bastion import __version__
from bastion.accounts.interfaces import BreachChecker
from bastion.config import Settings

BREACH_CHECK_MODES = ("api", "offline", "off")

# A padded range is about 40 KB; far more is not a Pwned Passwords reply.
_MAX_RANGE_BYTES = 1024 * 1024
_PREFIX_LENGTH = 5
_RANGE_LINE = re.compile(rb"([0-9A-Fa-f]{35}):([0-9]+)")
_FULL_HASH = re.compile(rb"[0-9A-Fa-f]{40}")


class BreachLookupError(Exception):
    """A breach list could not be consulted. Not a client's error: the policy decides."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"could not consult {source}: {reason}")
        self.source = source
        self.reason = reason


def _sha1_hex(password: str) -> str:
    # SHA-1 is what Pwned Passwords is keyed by; nothing here relies on its collision resistance.
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()


def _range_lists(body: bytes, suffix: str, *, source: str) -> bool:
    """Whether a range reply (`SUFFIX:COUNT` lines) lists `suffix` with a count above zero.

    Count-0 lines are the decoys `Add-Padding` asks for. Any other line means the reply is not
    a range at all (a captive portal's page, say) and proves nothing either way.
    """
    wanted = suffix.encode("ascii")
    for raw_line in body.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        match = _RANGE_LINE.fullmatch(line)
        if match is None:
            raise BreachLookupError(source, "the reply is not a Pwned Passwords range")
        if match[1].upper() == wanted and int(match[2]) > 0:
            return True
    return False


class NullBreachChecker:
    """Accepts every password: the breach check is off (`breached_password_check = "off"`)."""

    def is_breached(self, password: str) -> bool:  # noqa: ARG002 -- the protocol's signature
        """Never: nothing is checked."""
        return False


class HibpRangeApi:
    """Have I Been Pwned's range API (`GET {url}/{first five hex of the SHA-1}`)."""

    def __init__(
        self,
        url: str,
        *,
        timeout_s: float,
        opener: urllib.request.OpenerDirector | None = None,
    ) -> None:
        """Ask `url` (no trailing prefix), waiting at most `timeout_s` per network operation.

        `opener` defaults to urllib's, which honours the HTTPS_PROXY and NO_PROXY variables.

        Raises:
            ValueError: `url` is not an http or https URL.
        """
        if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
            raise ValueError(f"hibp_api_url must be an http or https URL, not {url!r}")
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._opener = opener or urllib.request.build_opener()

    def is_breached(self, password: str) -> bool:
        """Whether the range of the password's SHA-1 prefix lists the rest of its hash.

        Raises:
            BreachLookupError: no answer within the timeout, an HTTP error, or a reply that is
                not a range.
        """
        digest = _sha1_hex(password)
        prefix, suffix = digest[:_PREFIX_LENGTH], digest[_PREFIX_LENGTH:]
        request = urllib.request.Request(  # noqa: S310 -- the scheme is checked in __init__
            f"{self.url}/{prefix}",
            headers={"Add-Padding": "true", "User-Agent": f"Bastion/{__version__}"},
        )
        try:
            with self._opener.open(request, timeout=self.timeout_s) as response:
                body = response.read(_MAX_RANGE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise BreachLookupError(self.url, f"HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise BreachLookupError(self.url, str(exc.reason)) from exc
        except TimeoutError as exc:
            raise BreachLookupError(self.url, f"no answer in {self.timeout_s:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise BreachLookupError(self.url, str(exc) or type(exc).__name__) from exc
        if len(body) > _MAX_RANGE_BYTES:
            raise BreachLookupError(self.url, "the reply is too large to be a range")
        return _range_lists(body, suffix, source=self.url)


class RangeDirectory:
    """A directory of range files, `{PREFIX}.txt` (upper-case hex), as HIBP's downloader writes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def is_breached(self, password: str) -> bool:
        """Whether the password's range file lists the rest of its hash.

        Raises:
            BreachLookupError: the range file is missing (an incomplete copy), unreadable or
                not a range.
        """
        digest = _sha1_hex(password)
        range_file = self.path / f"{digest[:_PREFIX_LENGTH]}.txt"
        try:
            body = range_file.read_bytes()
        except OSError as exc:
            raise BreachLookupError(str(range_file), exc.strerror or str(exc)) from exc
        return _range_lists(body, digest[_PREFIX_LENGTH:], source=str(range_file))


class SortedHashFile:
    """One text file of `HASH[:COUNT]` lines (full SHA-1, hex) in ascending order of hash."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def is_breached(self, password: str) -> bool:
        """Whether the file has a line for the password's SHA-1 (with a count above zero).

        Raises:
            BreachLookupError: the file is missing or unreadable, or the line found is not a
                SHA-1 hash (an NTLM list, or not a hash list at all).
        """
        digest = _sha1_hex(password).encode("ascii")
        try:
            with self.path.open("rb") as sorted_file:
                line = _first_line_not_before(sorted_file, digest)
        except OSError as exc:
            raise BreachLookupError(str(self.path), exc.strerror or str(exc)) from exc
        key, _, count = line.strip().partition(b":")
        if not key:
            return False  # past the last line: every hash in the file sorts before this one
        if _FULL_HASH.fullmatch(key) is None or (count and not count.isdigit()):
            raise BreachLookupError(str(self.path), "not a sorted list of SHA-1 hashes")
        return key.upper() == digest and (not count or int(count) > 0)


def _line_from(sorted_file: BinaryIO, offset: int) -> bytes:
    """The first whole line that starts at or after `offset`; b"" past the last one."""
    if offset == 0:
        sorted_file.seek(0)
    else:
        # Finish the line the byte before `offset` belongs to; if that byte is the newline,
        # this reads just it, and the next line starts exactly at `offset`.
        sorted_file.seek(offset - 1)
        sorted_file.readline()
    return sorted_file.readline()


def _line_key(line: bytes) -> bytes:
    return line.strip().partition(b":")[0].upper()


def _first_line_not_before(sorted_file: BinaryIO, digest: bytes) -> bytes:
    """The first line whose hash is not below `digest`, found in about log2(size) reads."""
    low, high = 0, os.fstat(sorted_file.fileno()).st_size
    # Invariant: the answer is the line found from the smallest offset in [low, high] whose
    # line is missing (end of file) or not below `digest`; that predicate only turns true.
    while low < high:
        middle = (low + high) // 2
        line = _line_from(sorted_file, middle)
        if line and _line_key(line) < digest:
            low = middle + 1
        else:
            high = middle
    return _line_from(sorted_file, low)


class LocalPwnedPasswords:
    """A local copy of Pwned Passwords: a range directory or a sorted hash file.

    A directory is read as a `RangeDirectory`, anything else as a `SortedHashFile`, decided at
    each check, so the copy may be replaced while serving.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def is_breached(self, password: str) -> bool:
        """Whether the copy lists the password.

        Raises:
            BreachLookupError: the copy is missing, unreadable or garbled.
        """
        if self.path.is_dir():
            return RangeDirectory(self.path).is_breached(password)
        return SortedHashFile(self.path).is_breached(password)


def breach_checker_for(settings: Settings) -> BreachChecker:
    """The breach checker `settings.breached_password_check` names.

    Raises:
        ValueError: an unknown mode, "offline" without `breached_passwords_path`, or an
            `hibp_api_url` that is not http(s).
    """
    mode = settings.breached_password_check
    if mode == "api":
        return HibpRangeApi(settings.hibp_api_url, timeout_s=settings.hibp_timeout_seconds)
    if mode == "offline":
        if not settings.breached_passwords_path:
            raise ValueError(
                "breached_password_check is 'offline' but breached_passwords_path is empty: "
                "name a directory of range files or a sorted hash file"
            )
        return LocalPwnedPasswords(Path(settings.breached_passwords_path))
    if mode == "off":
        return NullBreachChecker()
    raise ValueError(
        f"breached_password_check must be one of {', '.join(BREACH_CHECK_MODES)}, not {mode!r}"
    )
