"""The Drive domain in pure Python: vocabularies, cases, assessments, the schedule. No I/O."""
