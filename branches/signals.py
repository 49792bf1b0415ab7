"""Events of the lower apps that the dashboard's rollups follow (assessment connects; branches imports none).

``figures_changed`` — sent by a service after it changed what a branch's figures are made of
(members, committee posts, dues lines, the branch itself), with ``organisation_ids`` and ``years``
(``()``: only the state now — members, structure; ``None``: every year). Receivers must not do
heavy work in the sender's transaction: the assessment app enqueues a task on commit.

``organisation_moved`` — sent inside ``organisation_move``'s transaction after the subtree's paths
were rewritten, with ``organisation`` (reloaded, new path) and ``old_path``: copies of the path on
other rows, and the sums kept above the old place, must follow.
"""

from django.dispatch import Signal

figures_changed = Signal()
organisation_moved = Signal()


def changed(organisation_ids, years=()) -> None:
    """Say that these organisations' figures changed (for ``years``; see above)."""
    ids = sorted({pk for pk in organisation_ids if pk})
    if ids:
        figures_changed.send(sender=None, organisation_ids=ids, years=None if years is None else list(years))
