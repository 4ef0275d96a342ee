"""``rabiskit serve``: the same work as the command line, from a local web page.

:mod:`rabiskit.web.app` builds the application (Starlette), :mod:`~rabiskit.web.auth`
decides who may use it, :mod:`~rabiskit.web.uploads` streams uploads to disk,
:mod:`~rabiskit.web.jobs` runs long work in the background, :mod:`~rabiskit.web.work`
makes the library calls and :mod:`~rabiskit.web.server` starts it on a socket.  Imported
only by ``rabiskit serve``: the other commands never load the web stack.
"""
