"""Security advisories on releases: set by owners or imported from OSV, served to installers."""
