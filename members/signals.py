"""Events of the members app that higher apps react to (they connect themselves; members imports none)."""

from django.dispatch import Signal

# Sent inside the transaction of ``services.pipeline.stage_advance`` with ``member``, ``stage`` and ``on``:
# a person moved one step along the development pipeline (the assessment app publishes 发展对象 for 公示).
stage_advanced = Signal()
