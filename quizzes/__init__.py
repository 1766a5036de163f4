"""The question bank: topics, levels, question kinds and versioned content."""
