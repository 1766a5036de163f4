"""Building assessments from the bank and inviting candidates (one, many from a CSV, by email)."""
