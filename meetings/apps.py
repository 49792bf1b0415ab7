from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "组织生活"

    def ready(self):
        from members.selectors_pipeline import register_organisational_life_source

        from .selectors import members_without_organisational_life

        register_organisational_life_source(members_without_organisational_life)
