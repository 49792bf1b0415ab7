from django.apps import AppConfig


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = "组织与换届"

    def ready(self):
        from config import checks  # noqa: F401 - registers the deployment checks
