"""Plan-fulfilment reports: the Report document (computed once) and the message catalogue.

``rabiskit.report.document.build_report(tally, scan, plan, period, lang, produced, ...)``
makes a :class:`~rabiskit.report.document.Report` of the period's quarters as shown
(:mod:`rabiskit.report.view`) and its tables (:mod:`rabiskit.report.table`, ``handin``,
``tables``); :mod:`rabiskit.render.outputs` writes it in every format asked for (by file
extension) through the renderers of :mod:`rabiskit.render`.
"""
