"""The lifecycle of candidates' personal data: the notice they confirm, retention per
organization, legal holds, export, and erasure (docs/privacy.md)."""
