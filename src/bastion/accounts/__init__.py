"""User accounts: passwords, credentials and who is asking."""
