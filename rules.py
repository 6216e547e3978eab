"""Rules about the data as a whole, checked on the loaded (temporary) database before anything is published.

The data package says what each cell may hold; these rules say how rows and tables must agree with each other
(a response's codes with its kind, a source's kind with its host...). Each rule is a function
``rule(conn, locate) -> list[Problem]``: ``conn`` is the temporary database with every table loaded, and
``locate(table, primary_key_value, column)`` gives the ``(file, line, column)`` of a cell, so every problem is
reported as ``file:line:column: message`` like the checks of the schema. The build runs them only when every
file passed those checks, and refuses to publish if any rule finds a problem.
"""
from __future__ import annotations

import sqlite3
from typing import Callable

RULES: list[Callable] = []


def rule(fn: Callable) -> Callable:
    RULES.append(fn)
    return fn


def check(conn: sqlite3.Connection, locate) -> list:
    problems = []
    for fn in RULES:
        problems.extend(fn(conn, locate))
    return problems
