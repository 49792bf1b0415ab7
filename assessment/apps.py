from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核评定"

    def ready(self):
        from branches import panels
        from meetings.signals import election_reported
        from members.signals import stage_advanced

        from .panels import assessment_panel
        from .receivers import publish_candidate, publish_election_result

        panels.register(assessment_panel)
        election_reported.connect(publish_election_result, dispatch_uid="assessment-election-publicity")
        stage_advanced.connect(publish_candidate, dispatch_uid="assessment-candidate-publicity")
