"""The autonomous mode's command line (``mlintern-server --auto``).

The engine is a tool like the others, in ``mlintern.tools.reproduce`` (the loop,
plan, report, budget, guards, brains and the ``reproduce-paper`` registry
entry). This face keeps only what is about people and shells: ``cli`` (the
arguments), ``watch`` (a folder of PDFs watched for new papers) and ``display``
(rich or JSON-lines progress).
"""
