from django.apps import AppConfig


class PlaybookConfig(AppConfig):
    name = "shequn.playbook"
    label = "playbook"
    verbose_name = "运营规则"

    def ready(self) -> None:
        from shequn.playbook import (
            admission_jobs,  # noqa: F401  (registers "admission")
            columns_jobs,  # noqa: F401  (registers the column job kinds)
            elimination_sweep,  # noqa: F401  (registers "eliminate")
            essence_jobs,  # noqa: F401  (registers "digest")
            ritual_jobs,  # noqa: F401  (registers the ritual job kinds)
        )
