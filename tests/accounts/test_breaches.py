"""Breached passwords: HIBP's range API (a real server on 127.0.0.1) and the two local copies."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from bastion.accounts.breaches import (
    BreachLookupError,
    HibpRangeApi,
    LocalPwnedPasswords,
    NullBreachChecker,
    RangeDirectory,
    SortedHashFile,
    breach_checker_for,
)
from bastion.accounts.errors import (
    BreachCheckUnavailableError,
    BreachedPasswordError,
    WeakPasswordError,
)
from bastion.accounts.policy import PasswordPolicy
from bastion.config import Settings
from tests.accounts.conftest import (
    BREACHED_PASSWORD,
    CLEAN_PASSWORD,
    DECOY_PASSWORD,
    sha1_hex,
)


def _api(url: str, timeout_s: float = 2.0) -> HibpRangeApi:
    return HibpRangeApi(url, timeout_s=timeout_s)


# The range API.


def test_a_breached_password_is_found_in_its_range(range_server):
    assert _api(range_server.url).is_breached(BREACHED_PASSWORD) is True


def test_a_clean_password_is_not_found(range_server):
    assert _api(range_server.url).is_breached(CLEAN_PASSWORD) is False
    assert len(range_server.requests) == 1


def test_only_the_first_five_hex_characters_of_the_hash_leave_the_server(range_server):
    _api(range_server.url).is_breached(BREACHED_PASSWORD)
    digest = sha1_hex(BREACHED_PASSWORD)
    [seen] = range_server.requests
    assert seen.path == f"/range/{digest[:5]}"
    sent = seen.raw.upper()
    assert digest not in sent
    assert digest[5:] not in sent
    assert digest[4:12] not in sent  # not even a stretch past the prefix
    assert BREACHED_PASSWORD.upper() not in sent


def test_padding_is_asked_for_and_count_zero_lines_are_ignored(range_server):
    # The decoy's suffix is in the reply, with count 0, exactly as padding would put it.
    api = _api(range_server.url)
    assert api.is_breached(DECOY_PASSWORD) is False
    assert range_server.requests[0].headers["Add-Padding"] == "true"
    body = range_server.range_body(sha1_hex(DECOY_PASSWORD)[:5], padded=True)
    assert f"{sha1_hex(DECOY_PASSWORD)[5:]}:0".encode() in body


def test_the_url_may_end_with_a_slash(range_server):
    assert _api(range_server.url + "/").is_breached(BREACHED_PASSWORD) is True
    assert range_server.requests[0].path == f"/range/{sha1_hex(BREACHED_PASSWORD)[:5]}"


def test_an_unreachable_service_is_a_lookup_error(unreachable_url):
    with pytest.raises(BreachLookupError, match=r"could not consult http://127\.0\.0\.1:"):
        _api(unreachable_url).is_breached(CLEAN_PASSWORD)


def test_an_http_error_is_a_lookup_error(range_server):
    range_server.status = 503
    with pytest.raises(BreachLookupError, match="HTTP 503"):
        _api(range_server.url).is_breached(BREACHED_PASSWORD)


def test_a_reply_that_is_not_a_range_is_a_lookup_error_not_a_clean_bill(range_server):
    # A captive portal or a misconfigured proxy answers 200 with a page of its own.
    range_server.body_override = b"<html><body>Please log in to the hotel wifi</body></html>"
    with pytest.raises(BreachLookupError, match="not a Pwned Passwords range"):
        _api(range_server.url).is_breached(CLEAN_PASSWORD)


def test_a_slow_service_times_out_after_the_setting(range_server):
    range_server.delay_s = 10.0
    started = time.monotonic()
    with pytest.raises(BreachLookupError, match="could not consult"):
        _api(range_server.url, timeout_s=0.2).is_breached(CLEAN_PASSWORD)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/range", "range"])
def test_only_http_urls_are_accepted(url):
    with pytest.raises(ValueError, match="http or https"):
        HibpRangeApi(url, timeout_s=1.0)


# Local copies: a directory of range files, and one sorted file.


def _write_range_directory(root: Path, hashes: dict[str, int]) -> Path:
    root.mkdir()
    by_prefix: dict[str, list[str]] = {}
    for digest, count in sorted(hashes.items()):
        by_prefix.setdefault(digest[:5], []).append(f"{digest[5:]}:{count}\r\n")
    for prefix, lines in by_prefix.items():
        (root / f"{prefix}.txt").write_text("".join(lines), newline="")
    return root


def _write_sorted_file(path: Path, hashes: dict[str, int], *, newline: str = "\r\n") -> Path:
    path.write_text("".join(f"{h}:{n}{newline}" for h, n in sorted(hashes.items())), newline="")
    return path


def _population(count: int) -> dict[str, int]:
    """Hashes of `pw-0`, `pw-2`, ... (even numbers only), with varied counts."""
    return {sha1_hex(f"pw-{i}"): i * 37 + 1 for i in range(0, 2 * count, 2)}


def test_range_directory_finds_breached_and_passes_clean(tmp_path):
    hashes = {sha1_hex(BREACHED_PASSWORD): 3, sha1_hex(DECOY_PASSWORD): 0}
    # The clean password's range exists too (a full copy has every prefix), without it.
    clean = sha1_hex(CLEAN_PASSWORD)
    hashes[clean[:5] + "0" * 35] = 12
    directory = RangeDirectory(_write_range_directory(tmp_path / "ranges", hashes))
    assert directory.is_breached(BREACHED_PASSWORD) is True
    assert directory.is_breached(CLEAN_PASSWORD) is False
    assert directory.is_breached(DECOY_PASSWORD) is False


def test_range_directory_with_the_range_missing_is_a_lookup_error(tmp_path):
    directory = RangeDirectory(
        _write_range_directory(tmp_path / "ranges", {sha1_hex(BREACHED_PASSWORD): 3})
    )
    prefix = sha1_hex(CLEAN_PASSWORD)[:5]
    with pytest.raises(BreachLookupError, match=f"{prefix}.txt"):
        directory.is_breached(CLEAN_PASSWORD)


def test_sorted_file_finds_every_listed_hash_and_no_other(tmp_path):
    hashes = _population(500)
    sorted_file = SortedHashFile(_write_sorted_file(tmp_path / "pwned.txt", hashes))
    for i in range(1000):
        assert sorted_file.is_breached(f"pw-{i}") is (i % 2 == 0), i


@pytest.mark.parametrize("size", [0, 1, 2, 3])
def test_sorted_file_at_its_edges(tmp_path, size):
    hashes = _population(size)
    sorted_file = SortedHashFile(_write_sorted_file(tmp_path / "pwned.txt", hashes, newline="\n"))
    for i in range(2 * size + 2):
        assert sorted_file.is_breached(f"pw-{i}") is (i % 2 == 0 and i < 2 * size), i
    # Below the first hash and above the last.
    assert sorted_file.is_breached(CLEAN_PASSWORD) is False


def test_sorted_file_accepts_lower_case_hashes_and_lines_without_counts(tmp_path):
    digests = sorted([sha1_hex(BREACHED_PASSWORD), *_population(50)])
    path = tmp_path / "pwned.txt"
    path.write_text("".join(f"{d.lower()}\n" for d in digests))
    sorted_file = SortedHashFile(path)
    assert sorted_file.is_breached(BREACHED_PASSWORD) is True
    assert sorted_file.is_breached(CLEAN_PASSWORD) is False


def test_sorted_file_ignores_count_zero(tmp_path):
    hashes = {**_population(20), sha1_hex(DECOY_PASSWORD): 0}
    sorted_file = SortedHashFile(_write_sorted_file(tmp_path / "pwned.txt", hashes))
    assert sorted_file.is_breached(DECOY_PASSWORD) is False


def test_sorted_file_reads_a_few_blocks_not_the_whole_file(tmp_path, monkeypatch):
    # 20,000 lines, about 0.9 MB: a bisection reads a few dozen lines' worth of it.
    hashes = {**_population(20_000), sha1_hex(BREACHED_PASSWORD): 9}
    path = _write_sorted_file(tmp_path / "pwned.txt", hashes)
    read_sizes: list[int] = []
    real_open = Path.open

    class CountingReader:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

        def readline(self):
            line = self.handle.readline()
            read_sizes.append(len(line))
            return line

        def read(self, *_args):
            raise AssertionError("the sorted file is read line by line, never whole")

        def seek(self, offset):
            return self.handle.seek(offset)

        def fileno(self):
            return self.handle.fileno()

    monkeypatch.setattr(
        Path, "open", lambda self, *a, **k: CountingReader(real_open(self, *a, **k))
    )
    assert SortedHashFile(path).is_breached(BREACHED_PASSWORD) is True
    assert 0 < sum(read_sizes) < 100 * 50
    assert len(read_sizes) < 2 * 25 + 2


def test_a_file_of_other_hashes_is_a_lookup_error(tmp_path):
    # NTLM hashes are 32 hex characters: the other list HIBP's downloader fetches.
    path = tmp_path / "ntlm.txt"
    ntlm = sorted(
        hashlib.md5(str(i).encode(), usedforsecurity=False).hexdigest() for i in range(99)
    )
    path.write_text("".join(f"{h.upper()}:1\r\n" for h in ntlm))
    with pytest.raises(BreachLookupError, match="not a sorted list of SHA-1 hashes"):
        SortedHashFile(path).is_breached(CLEAN_PASSWORD)


def test_a_missing_sorted_file_is_a_lookup_error(tmp_path):
    with pytest.raises(BreachLookupError, match="No such file"):
        SortedHashFile(tmp_path / "absent.txt").is_breached(CLEAN_PASSWORD)


def test_local_copy_reads_a_directory_as_ranges_and_a_file_as_sorted(tmp_path):
    hashes = {sha1_hex(BREACHED_PASSWORD): 3}
    as_directory = LocalPwnedPasswords(_write_range_directory(tmp_path / "ranges", hashes))
    as_file = LocalPwnedPasswords(_write_sorted_file(tmp_path / "pwned.txt", hashes))
    assert as_directory.is_breached(BREACHED_PASSWORD) is True
    assert as_file.is_breached(BREACHED_PASSWORD) is True
    with pytest.raises(BreachLookupError):  # its range file is missing: an incomplete copy
        as_directory.is_breached(CLEAN_PASSWORD)
    assert as_file.is_breached(CLEAN_PASSWORD) is False


# Settings.


def test_the_default_settings_ask_hibp_over_https():
    checker = breach_checker_for(Settings())
    assert isinstance(checker, HibpRangeApi)
    assert checker.url == "https://api.pwnedpasswords.com/range"
    assert Settings().breached_password_fail_open is True


def test_settings_choose_each_mode(tmp_path):
    assert isinstance(
        breach_checker_for(Settings(breached_password_check="off")), NullBreachChecker
    )
    offline = breach_checker_for(
        Settings(breached_password_check="offline", breached_passwords_path=str(tmp_path))
    )
    assert isinstance(offline, LocalPwnedPasswords)
    assert offline.path == tmp_path
    api = breach_checker_for(
        Settings(hibp_api_url="http://127.0.0.1:9/range/", hibp_timeout_seconds=0.5)
    )
    assert isinstance(api, HibpRangeApi)
    assert (api.url, api.timeout_s) == ("http://127.0.0.1:9/range", 0.5)


def test_settings_come_from_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "BASTION_BREACHED_PASSWORD_CHECK": "offline",
            "BASTION_BREACHED_PASSWORDS_PATH": str(tmp_path / "pwned.txt"),
            "BASTION_BREACHED_PASSWORD_FAIL_OPEN": "false",
            "BASTION_HIBP_TIMEOUT_SECONDS": "1.5",
        }
    )
    assert settings.breached_password_check == "offline"
    assert settings.breached_passwords_path == str(tmp_path / "pwned.txt")
    assert settings.breached_password_fail_open is False
    assert settings.hibp_timeout_seconds == 1.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"breached_password_check": "sometimes"}, "must be one of api, offline, off"),
        ({"breached_password_check": "offline"}, "breached_passwords_path is empty"),
        ({"hibp_api_url": "ftp://example.org/range"}, "http or https"),
    ],
)
def test_inconsistent_settings_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        breach_checker_for(Settings(**changes))


# The policy: what a refusal says, and what happens when the list cannot be consulted.


def _policy(url: str, *, fail_open: bool = True) -> tuple[PasswordPolicy, list[str]]:
    warnings: list[str] = []
    policy = PasswordPolicy(breaches=_api(url), fail_open=fail_open, warn=warnings.append)
    return policy, warnings


def test_a_breached_password_is_refused_without_being_repeated(range_server):
    policy, warnings = _policy(range_server.url)
    with pytest.raises(BreachedPasswordError, match="appeared in a data breach") as refused:
        policy.check_new_password(BREACHED_PASSWORD)
    assert refused.value.status_code == 400
    assert BREACHED_PASSWORD not in str(refused.value)
    assert sha1_hex(BREACHED_PASSWORD)[:5] not in str(refused.value)
    assert "\n" not in str(refused.value)
    assert warnings == []


def test_a_clean_password_passes_the_policy(range_server):
    policy, warnings = _policy(range_server.url)
    policy.check_new_password(CLEAN_PASSWORD)
    assert warnings == []


def test_by_default_an_unreachable_service_lets_the_password_through_with_a_warning(
    unreachable_url,
):
    policy, warnings = _policy(unreachable_url)
    policy.check_new_password(BREACHED_PASSWORD)  # the service would have refused it
    [warning] = warnings
    assert warning.startswith("Accepted a new password without the breached-password check:")
    assert unreachable_url in warning
    assert BREACHED_PASSWORD not in warning


def test_failing_closed_an_unreachable_service_refuses_with_a_503(unreachable_url):
    policy, warnings = _policy(unreachable_url, fail_open=False)
    with pytest.raises(BreachCheckUnavailableError, match="Try again later") as refused:
        policy.check_new_password(CLEAN_PASSWORD)
    assert refused.value.status_code == 503
    assert unreachable_url not in str(refused.value)  # the operator's detail stays in the log
    [warning] = warnings
    assert unreachable_url in warning


def test_the_default_warning_goes_to_the_log(unreachable_url, caplog):
    policy = PasswordPolicy(breaches=_api(unreachable_url))
    with caplog.at_level("WARNING", logger="bastion.accounts.policy"):
        policy.check_new_password(CLEAN_PASSWORD)
    assert "without the breached-password check" in caplog.text


def test_the_offline_policy_refuses_from_a_sorted_file(tmp_path):
    path = _write_sorted_file(tmp_path / "pwned.txt", {sha1_hex(BREACHED_PASSWORD): 3})
    policy = PasswordPolicy.from_settings(
        Settings(breached_password_check="offline", breached_passwords_path=str(path))
    )
    with pytest.raises(BreachedPasswordError):
        policy.check_new_password(BREACHED_PASSWORD)
    policy.check_new_password(CLEAN_PASSWORD)


def test_a_weak_password_is_refused_before_any_request(range_server):
    policy, _ = _policy(range_server.url)
    with pytest.raises(WeakPasswordError):
        policy.check_new_password("password1")
    assert range_server.requests == []
