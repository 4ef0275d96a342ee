"""The in-memory record model shared by every source."""

from rabiskit.records.problem import Problem
from rabiskit.records.record import Field, Record, SourceRecord

__all__ = ["Field", "Problem", "Record", "SourceRecord"]
