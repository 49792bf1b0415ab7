"""The benchmark suite of issue 8 (``manage.py bench``, ``make bench``).

One module per responsibility: ``stats`` (timing and percentiles), ``rows`` (a table row and
the targets), ``subjects`` (the seeded tree and its users), ``pages`` (in-process page timings),
``meeting_form`` (the POST of 记录会议), ``floors`` (the plain SQL aggregates the dashboard
rollups replace), ``ledger`` (the annual ledger through ``ledger_bench``), ``http`` (gunicorn
under ``wrk``), ``production`` (settings of the bench's own processes), ``database`` (creating
the bench databases), ``machine`` and ``report`` (the table and ``docs/benchmarks.md``).
The bench reports; it never fails because a target is missed.
"""
