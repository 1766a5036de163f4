"""The candidate's side: starting, autosaving, submitting, deadlines, sample runs, integrity
signals, and the candidate's pages."""
