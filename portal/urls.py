from django.urls import path

from portal.views import floor, home, search

app_name = "portal"
urlpatterns = [
    path("", home.home, name="home"),
    # The floor page of the crawl bench (bench/crawl_bench.py); in no menu.
    path("floor/", floor.floor, name="floor"),
    # The header's scan box: devices, and students by exact ID.
    path("scan/", search.scan_search, name="scan_search"),
]
