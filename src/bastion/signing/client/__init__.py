"""The verifying client (`bastion verify`): installs only what the index's TUF metadata vouches for.

It holds nothing secret. Bootstrapped with the index's root.json (fetched once over a trusted
channel and pinned), it fetches each requirement's simple page as a TUF target through
python-tuf's ngclient, so the hashes it reads are signed, resolves versions and dependencies
from those pages (and from PEP 658 metadata files whose hashes the pages carry), and writes a
requirements file for `pip install --require-hashes`. pip and uv need no change.
"""
