from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "组织生活"

    def ready(self):
        from branches import panels
        from members.selectors_pipeline import register_organisational_life_source

        from . import panels as meeting_panels
        from . import panels_elections
        from .selectors import members_without_organisational_life

        register_organisational_life_source(members_without_organisational_life)
        panels.register(meeting_panels.organisational_life_panel)
        panels.register(panels_elections.election_panel)
