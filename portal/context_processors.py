from django.http import HttpRequest

from fleet import permissions as fleet_permissions
from portal import selectors
from students import permissions as student_permissions


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation entries the signed-in user may open, and whether the scan box shows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": [], "can_search_devices": False, "can_view_students": False}
    items = selectors.navigation_for(user=user)
    return {
        "nav_items": items,
        "nav_groups": selectors.navigation_groups(items),
        "can_search_devices": fleet_permissions.can_view_devices(user),
        "can_view_students": student_permissions.can_view_students(user),
    }
