"""What every page's navigation needs: the user's roles and unread notices."""

from . import access, selectors


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = access.roles(user)
    return {
        # The Django admin opens to staff only; the link shows to whoever it will let in.
        "nav_is_admin": user.is_staff,
        "nav_is_reviewer": "reviewer" in roles or "admin" in roles,
        "nav_home_org": access.home_organisation(user),
        "nav_unread": selectors.unread_notice_count(user),
    }
