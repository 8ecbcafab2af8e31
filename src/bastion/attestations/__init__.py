"""PEP 740 attestations: trusted publishers, verification on upload, and the Integrity API."""
