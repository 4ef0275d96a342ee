"""rabiskit: catalogue statistics for RABIS / IRBIS-64 libraries.

Data flows one way: sources (ISO 2709, MARCXML, harvest) -> records -> per-record
facts -> level rules -> aggregation by period -> comparison with the plan ->
renderers.  Everything below ``rabiskit.cli`` is plain functions and dataclasses.
"""

__version__ = "0.1.0"
