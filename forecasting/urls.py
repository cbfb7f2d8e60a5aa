app_name = "forecasting"
urlpatterns: list = []
