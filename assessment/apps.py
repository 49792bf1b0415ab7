from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核评定"

    def ready(self):
        from branches import panels
        from meetings.signals import election_reported

        from .panels import assessment_panel
        from .receivers import publish_election_result

        panels.register(assessment_panel)
        election_reported.connect(publish_election_result, dispatch_uid="assessment-election-publicity")
