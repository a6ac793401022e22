"""Browser dashboard for educators (issue 9)."""
