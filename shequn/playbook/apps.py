from django.apps import AppConfig


class PlaybookConfig(AppConfig):
    name = "shequn.playbook"
    label = "playbook"
    verbose_name = "运营规则"

    def ready(self) -> None:
        from shequn.playbook import (
            admission_jobs,  # noqa: F401  (registers "admission")
            checkin_jobs,  # noqa: F401  (registers "checkin_leaderboard")
            columns_jobs,  # noqa: F401  (registers the column job kinds)
            elimination_sweep,  # noqa: F401  (registers "eliminate")
            essence_jobs,  # noqa: F401  (registers "digest")
            meetups_jobs,  # noqa: F401  (registers the meetup job kinds)
            presence_jobs,  # noqa: F401  (registers "presence")
            ritual_jobs,  # noqa: F401  (registers the ritual job kinds)
            surveys_jobs,  # noqa: F401  (registers the survey job kinds)
        )
