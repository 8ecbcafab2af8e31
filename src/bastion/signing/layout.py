"""The shape of Bastion's TUF repository (PEP 458 with TAP 15 succinct hash bins).

    root       offline keys (a threshold of them)   365 days
    targets    offline key; delegates everything to `bins`       365 days
    bins       offline key; delegates by hash prefix to bin-<hex>  365 days
    bin-<hex>  online key; lists the targets whose path hashes into it   1 day
    snapshot   online key; the version of targets, bins and every bin   1 day
    timestamp  online key; the version and hash of the snapshot   1 day

Target paths are `packages/<normalized project>/<filename>` for distribution files and
`simple/<normalized project>/index.json` / `index.html` for the simple pages installers read.
"""

from __future__ import annotations

import datetime
import enum
import hashlib
import math

from tuf.api.metadata import SPECIFICATION_VERSION

SPEC_VERSION = ".".join(SPECIFICATION_VERSION)
BIN_PREFIX = "bin"
# Storage keys (and URL paths below /tuf/): metadata files, and the target files Bastion
# renders itself (simple pages). Distribution files stay where they are; see views.py.
METADATA_PREFIX = "tuf/metadata/"
TARGETS_PREFIX = "tuf/targets/"
# A new root waits here (not served) until the database has committed to it: clients find
# roots by probing for the next version, so a root in METADATA_PREFIX is live at once.
PENDING_ROOT_PREFIX = "tuf/pending/"
TIMESTAMP_FILENAME = "timestamp.json"
# Paths the `targets` role delegates to `bins` (python-tuf matches each path segment alone).
DELEGATED_PATHS = ("packages/*/*", "simple/*/*")
# The simple pages signed per project, by file name, and whether each is the JSON form.
PAGE_FILENAMES = {"index.json": True, "index.html": False}


class RoleName(enum.StrEnum):
    """The top-level roles (bins are `bin-<hex>`, see `bin_name`)."""

    ROOT = "root"
    TARGETS = "targets"
    BINS = "bins"
    SNAPSHOT = "snapshot"
    TIMESTAMP = "timestamp"


# How long each kind of metadata is valid once signed (PEP 458's recommendation), and how
# long before lapsing the periodic job re-signs it.
LIFETIMES = {
    RoleName.ROOT: datetime.timedelta(days=365),
    RoleName.TARGETS: datetime.timedelta(days=365),
    RoleName.BINS: datetime.timedelta(days=365),
    RoleName.SNAPSHOT: datetime.timedelta(days=1),
    RoleName.TIMESTAMP: datetime.timedelta(days=1),
}
BIN_LIFETIME = datetime.timedelta(days=1)
# Re-sign online metadata when less than this is left (offline metadata waits for its keys).
ONLINE_REFRESH_MARGIN = datetime.timedelta(hours=12)


def bit_length_for(expected_files: int) -> int:
    """The number of hash-prefix bits for an index expected to hold `expected_files` files.

    PEP 458 sizes the bins so a returning client downloads about as many bytes of bin
    metadata as of snapshot: sqrt(7.5 x files) bins, rounded here to the nearest power of two
    (TAP 15 needs one), at least 2 and at most 2**14 = 16,384 (PyPI's figure).
    """
    wanted = math.sqrt(7.5 * max(expected_files, 1))
    return min(max(round(math.log2(wanted)), 1), 14)


def bin_name(index: int, bit_length: int) -> str:
    """The name of bin `index` (TAP 15: the prefix, a dash, zero-padded lower-case hex)."""
    width = math.ceil(bit_length / 4)
    return f"{BIN_PREFIX}-{index:0{width}x}"


def package_target(normalized_project: str, filename: str) -> str:
    """The target path of a distribution file."""
    return f"packages/{normalized_project}/{filename}"


def page_target(normalized_project: str, page_filename: str) -> str:
    """The target path of one of a project's simple pages."""
    return f"simple/{normalized_project}/{page_filename}"


def metadata_key(filename: str) -> str:
    """The storage key of a metadata file (`3.snapshot.json`, `timestamp.json`)."""
    return METADATA_PREFIX + filename


def versioned_filename(role: str, version: int) -> str:
    """The consistent-snapshot file name of version `version` of `role`."""
    return f"{version}.{role}.json"


def hashed_target_key(target_path: str, sha256: str) -> str:
    """Where a target Bastion renders is stored: its directory, then `<sha256>.<name>`."""
    directory, _, name = target_path.rpartition("/")
    return f"{TARGETS_PREFIX}{directory}/{sha256}.{name}"


def bin_for_target(target_path: str, bit_length: int) -> int:
    """The bin a target belongs to: the first `bit_length` bits of its path's SHA-256."""
    digest = hashlib.sha256(target_path.encode()).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - bit_length)
