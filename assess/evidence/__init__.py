"""Integrity evidence for reviewers: the code playback of a coding answer (its edits, pastes,
focus losses and sample runs), each test's policy on AI assistance and pasting, and the
reviewer's recorded decision. Evidence a person weighs, never a verdict.

Named `evidence` so it does not collide with `assess.attempts.integrity` (the older per-attempt
signals: tab switches, paste sizes, time per question), which it sits beside and below."""
