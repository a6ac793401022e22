"""Policy: what each funding option costs, what it buys, and the best use of a budget (issue 11)."""
