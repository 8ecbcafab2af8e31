# ruff: noqa: A005 -- tests.email mirrors bastion.email; it shadows nothing at run time.
