from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核评定"

    def ready(self):
        from branches import panels
        from branches.signals import figures_changed, organisation_moved
        from meetings.signals import compliance_refreshed, election_reported
        from members.signals import stage_advanced

        from .panels import assessment_panel
        from .receivers import (
            follow_move,
            publish_candidate,
            publish_election_result,
            schedule_rollups,
            update_rollups,
        )

        panels.register(assessment_panel)
        election_reported.connect(publish_election_result, dispatch_uid="assessment-election-publicity")
        compliance_refreshed.connect(update_rollups, dispatch_uid="assessment-rollups")
        figures_changed.connect(schedule_rollups, dispatch_uid="assessment-rollups-schedule")
        organisation_moved.connect(follow_move, dispatch_uid="assessment-rollups-move")
        stage_advanced.connect(publish_candidate, dispatch_uid="assessment-candidate-publicity")
