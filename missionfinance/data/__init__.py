"""Data shipped with the package: built-in missions, tagging rules and code lists."""
