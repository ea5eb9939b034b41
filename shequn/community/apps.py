from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "shequn.community"
    label = "community"
    verbose_name = "社群"
