from django.urls import path

from . import views

app_name = "following"

urlpatterns = [
    path("", views.follow, name="follow"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
