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
            jielong_jobs,  # noqa: F401  (registers "jielong_open")
            matching_digest,  # noqa: F401  (registers "matching_digest")
            matching_intro,  # noqa: F401  (registers the introduction job kinds)
            meetups_jobs,  # noqa: F401  (registers the meetup job kinds)
            presence_jobs,  # noqa: F401  (registers "presence")
            rewards,  # noqa: F401  (registers "reward_sweep")
            rewards_board,  # noqa: F401  (registers "reward_leaderboard")
            ritual_jobs,  # noqa: F401  (registers the ritual job kinds)
            routing_jobs,  # noqa: F401  (registers the question-routing job kinds)
            surveys_jobs,  # noqa: F401  (registers the survey job kinds)
        )
