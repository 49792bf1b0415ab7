"""The meetings fixtures, for the audit trail of meetings and attendance."""

from tests.meetings.conftest import kinds, record_meeting, ten  # noqa: F401 - fixtures used here
