"""``rabiskit audit``: what a bibliographer should fix in the catalogue.

Language coding against the text (:mod:`.language`), encoding damage, dates and structure
(:mod:`.checks`), duplicates and repeated 001s (:mod:`.duplicates`), the Kazakh share as
coded and as written (:mod:`.run`), and the outputs (:mod:`.render`).
"""

from rabiskit.audit.findings import KINDS, AuditResult, Finding, ShareRow, kind_name
from rabiskit.audit.language import Detection, detect_language
from rabiskit.audit.run import Auditor, audit_inputs

__all__ = ["KINDS", "AuditResult", "Auditor", "Detection", "Finding", "ShareRow",
           "audit_inputs", "detect_language", "kind_name"]
