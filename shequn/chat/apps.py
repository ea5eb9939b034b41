from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "shequn.chat"
    label = "chat"
    verbose_name = "聊天记录"
