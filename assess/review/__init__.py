"""The review dashboard: the attempts list, the report, rubric scoring, re-grades, similarity,
the export and the grading health panel."""
