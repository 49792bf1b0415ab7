"""Events of the meetings app that higher apps react to (they connect themselves; meetings imports none)."""

from django.dispatch import Signal

# Sent inside the transaction of ``services.elections.result_report`` with ``election``: the result of an
# election has been reported to the committee above (the assessment app puts it under 公示).
election_reported = Signal()

# Sent by ``compliance.refresh`` (inside its transaction) and ``compliance.refresh_all`` with
# ``organisation_ids``, ``year`` and ``everything`` (True: every organisation was refreshed): the
# assessment app brings its dashboard rollups up to date.
compliance_refreshed = Signal()
