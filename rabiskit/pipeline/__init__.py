"""The one pipeline every command reads through.

inputs (export files of any format, or the ledger) -> blocks of records -> typed, columnar
batches of facts -> the command's reduction (a tally, file summaries, digitised copies, a
facts table, an export, an audit, a ledger import).

Orchestration lives here (which inputs, which reader, which worker reads which block of
which file, the ledger-or-exports choice); the decisions stay below it (readers in
``sources``, level rules in ``rules``, facts in ``facts``, tallies in ``aggregate``).
"""
