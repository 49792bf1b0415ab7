from django.apps import AppConfig


class ArchivesConfig(AppConfig):
    name = "archives"
    verbose_name = "档案台账"

    def ready(self):
        from branches import panels

        from .panels import archive_panel

        panels.register(archive_panel)
