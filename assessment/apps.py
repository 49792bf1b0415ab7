from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = "考核评定"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from branches import panels
        from branches.models import Term
        from branches.signals import figures_changed, organisation_moved
        from meetings.signals import compliance_refreshed, election_reported
        from members.signals import stage_advanced

        from .models import Acceptance, Rating, RectificationCase, RectificationItem
        from .panels import assessment_panel
        from .receivers import (
            follow_move,
            publish_candidate,
            publish_election_result,
            rows_saved,
            schedule_rollups,
            update_rollups,
        )

        panels.register(assessment_panel)
        election_reported.connect(publish_election_result, dispatch_uid="assessment-election-publicity")
        compliance_refreshed.connect(update_rollups, dispatch_uid="assessment-rollups")
        figures_changed.connect(schedule_rollups, dispatch_uid="assessment-rollups-schedule")
        organisation_moved.connect(follow_move, dispatch_uid="assessment-rollups-move")
        for model in (Term, Rating, Acceptance, RectificationCase, RectificationItem):
            for signal in (post_save, post_delete):
                signal.connect(rows_saved, sender=model, dispatch_uid=f"assessment-rollups-{model.__name__}")
        stage_advanced.connect(publish_candidate, dispatch_uid="assessment-candidate-publicity")
