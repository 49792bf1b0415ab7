from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核评定"

    def ready(self):
        from branches import panels

        from .panels import assessment_panel

        panels.register(assessment_panel)
