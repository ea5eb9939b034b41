from django.urls import include, path

urlpatterns = [
    path("", include("shequn.web.urls")),
]
