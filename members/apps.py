from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "党员"

    def ready(self):
        from branches import panels

        from . import panels as member_panels

        panels.register(member_panels.work_panel)
        panels.register(member_panels.committee_panel)
        panels.register(member_panels.structure_panel)
        panels.register_home(member_panels.own_record)
