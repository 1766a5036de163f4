from django.urls import path

from . import views

app_name = "quizzes"

urlpatterns = [
    path("", views.practice_home, name="practice_home"),
    path("practice/start/", views.practice_begin, name="practice_start"),
    path("practice/<str:token>/q/<int:number>/", views.practice_question, name="practice_question"),
    path("practice/<str:token>/result/", views.practice_result, name="practice_result"),
    path("bank/statistics/", views.bank_statistics, name="bank_statistics"),
]
