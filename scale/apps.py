from django.apps import AppConfig


class ScaleConfig(AppConfig):
    """Province-sized seeding (``seed_scale``) and the benchmark suite (``make bench``)."""

    name = "scale"
    verbose_name = "规模与性能"
