"""Coordinator mode: PIN login, then review, answer, run communities and see what happens."""
