"""Plan-fulfilment reports: the Report model (computed once) and the message catalogue.

``build_report(tally, scan, plan, period, lang, produced, digitisation=None)`` makes a
:class:`~rabiskit.report.model.Report`; :mod:`rabiskit.render.outputs` writes it in every
format asked for (by file extension) through the renderers of :mod:`rabiskit.render`.
"""

from rabiskit.report.model import (Bar, Cell, Column, LevelChart, Report, Row, Table,
                                   build_report, report_period)

__all__ = ["Bar", "Cell", "Column", "LevelChart", "Report", "Row", "Table", "build_report",
           "report_period"]
