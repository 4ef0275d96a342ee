"""The web page's messages: every word ``rabiskit serve`` shows, in kk / ru / en.

Kazakh is the default.  The page's own texts are gettext messages of
:mod:`rabiskit.i18n` (English msgids, marked here with ``N_``, translated in
``rabiskit/locale``); the words the page shares with the report ("Plan", "Year", "Year to
date", table headings) come from the report's catalogue
(:mod:`rabiskit.report.messages`), so they read the same on the page and in the report.
``t(key, lang, **values)`` looks a key up in one or the other and fills its
``{placeholders}``.
"""

from __future__ import annotations

from rabiskit.i18n import N_, translation
from rabiskit.report import messages as report_messages

LANGS = report_messages.LANGS
DEFAULT_LANG = report_messages.DEFAULT_LANG
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

#: the page's texts under stable keys; English is the gettext msgid (kk, ru in the catalogues)
MESSAGES: dict[str, str] = {
    "app_title": N_("rabiskit: catalogue statistics"),
    "nav_report": N_("Report"),
    "nav_ledger": N_("The year's ledger"),
    "language": N_("Language"),
    "exports": N_("Catalogue export files (ISO 2709, MARCXML, IRBIS plain text)"),
    "drop_here": N_("Drop the files here or choose them (several at once)"),
    "db_of_file": N_("Is the file one database?"),
    "db_none": N_("no: the rules decide each record's level"),
    "db_help": N_("RABIS exports one database per file: e.g. the local-lore database's file."),
    "plan_choice": N_("Plan"),
    "plan_file": N_("or a plan file (TOML)"),
    "quarter_field": N_("Quarter"),
    "submit_report": N_("Make the report"),
    "uploading": N_("Sending the files…"),
    "working": N_("Working…"),
    "progress": N_("{done} of {total} MB read"),
    "phase_report": N_("report"),
    "phase_audit": N_("audit"),
    "phase_count": N_("count"),
    "phase_import": N_("import"),
    "job_failed": N_("The work failed"),
    "job_gone": N_("This work is not known (the server may have been restarted)."),
    "downloads": N_("Download"),
    "report_as": N_("The report"),
    "audit_as": N_("The audit"),
    "t_audit": N_("Audit of the records: what to fix"),
    "audit_kind": N_("Kind"),
    "audit_count": N_("Findings"),
    "audit_where": N_("Where"),
    "audit_evidence": N_("Evidence"),
    "audit_none": N_("No findings."),
    "audit_more": N_("… and {n} more (the XLSX file has the whole list)"),
    "where_record": N_("{file}, record {record}, byte {offset}"),
    "new_report": N_("A new report"),
    "ledger_intro": N_("Import each quarter's export here: the year so far is gathered across the imports, closed quarters stay as they were handed in."),
    "ledger_file": N_("Ledger file"),
    "ledger_empty": N_("The ledger holds no records yet: import the first export."),
    "ledger_import": N_("Import an export into the ledger"),
    "ledger_database": N_("Catalogue name"),
    "submit_import": N_("Import"),
    "t_imports": N_("Imports"),
    "t_databases": N_("Records per database"),
    "t_closed": N_("Closed quarters"),
    "closed_none": N_("No quarter is closed."),
    "close_quarter": N_("Close a quarter (freeze its numbers)"),
    "submit_close": N_("Close"),
    "imported_done": N_("Import {id}: {records} record(s) read; {added} added, {changed} changed, {deleted} deleted, {unchanged} unchanged."),
    "corrections_since": N_("Corrections since"),
    "year_so_far": N_("The year so far (from the ledger)"),
    "show_year": N_("Show"),
    "c_import": N_("#"),
    "c_finished": N_("Finished"),
    "c_files": N_("Files"),
    "c_read": N_("Read"),
    "c_added": N_("Added"),
    "c_changed": N_("Changed"),
    "c_deleted": N_("Deleted"),
    "c_live": N_("Counted"),
    "c_newest": N_("Newest date entered"),
    "c_closed_at": N_("Closed at"),
    # -- errors -------------------------------------------------------------------------
    "e_unauthorised": N_("Not allowed. Open the address 'rabiskit serve' printed (the one with the token)."),
    "e_origin": N_("The request came from another site: refused."),
    "e_csrf": N_("The form is stale or came from another page: reload the page and try again."),
    "e_too_large": N_("The upload is too large: the limit is {limit} MB ('rabiskit serve --max-upload MB' changes it)."),
    "e_no_files": N_("Choose an export file."),
    "e_not_found": N_("No such page."),
    "e_host": N_("Not reachable under this address."),
    "back": N_("Back"),
    "login_title": N_("Sign in"),
    "password": N_("Password"),
    "e_password": N_("Wrong password."),
}


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The page's message ``key`` in ``lang`` (keys not here come from the report's
    catalogue), placeholders filled.  Each request has its own language, so the
    catalogue of ``lang`` is asked directly rather than the language of the process."""
    msgid = MESSAGES.get(key)
    if msgid is None:
        return report_messages.t(key, lang, **values)
    text = translation(page_lang(lang)).gettext(msgid)
    return text.format(**values) if values else text


def page_lang(lang: str | None) -> str:
    """``lang`` when it is kk, ru or en, else the default (Kazakh)."""
    code = (lang or "").strip().lower()
    return code if code in LANGS else DEFAULT_LANG
