from django.http import HttpRequest

from accounts import selectors as account_selectors


def navigation(request: HttpRequest) -> dict[str, object]:
    """The navigation entries the signed-in user's roles allow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "can_search_devices": False}
    from fleet import permissions as fleet_permissions

    return {
        "nav_items": account_selectors.navigation_for(user=user),
        "can_search_devices": fleet_permissions.can_view_devices(user),
    }
