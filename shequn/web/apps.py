from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "shequn.web"
    label = "web"
    verbose_name = "控制台"
