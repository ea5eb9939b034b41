from django.apps import AppConfig


class PlaybookConfig(AppConfig):
    name = "shequn.playbook"
    label = "playbook"
    verbose_name = "运营规则"
