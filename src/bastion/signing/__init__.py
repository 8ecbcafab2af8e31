"""PEP 458 signing: the index's TUF repository, kept current on every change, and its client.

`layout` names the roles and target paths, `keys` loads the signers, `documents` encodes and
signs metadata, `repository` creates it (`bastion tuf init`), `publisher` drains pending
changes into new bins, snapshot and timestamp, `views` serves it all at `/tuf/`, and `client`
is the verifying side (`bastion verify`).
"""
