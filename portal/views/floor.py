from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.views import HtmxHttpRequest


@require_GET
@login_required
def floor(request: HtmxHttpRequest) -> HttpResponse:
    """The framework's floor: a signed-in page rendering ``base.html`` and nothing else.

    Not in any menu. ``bench/crawl_bench.py`` measures every page as a multiple of this one, in
    the same process and run, so the goals hold on any machine.
    """
    return render(request, "base.html")
