"""What every page's navigation needs: the user's roles and unread notices."""

from . import access, selectors


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = access.roles(user)
    home = access.home_organisation(user)
    reviewing = "reviewer" in roles or "admin" in roles
    roots = access.scope_roots(user) if reviewing else []
    return {
        # The Django admin opens to staff only; the link shows to whoever it will let in.
        "nav_is_admin": user.is_staff,
        "nav_is_reviewer": reviewing,
        "nav_home_org": home,
        "nav_records": home is not None and "secretary" in roles,
        "nav_review_root": roots[0] if roots else None,
        "nav_unread": selectors.unread_notice_count(user),
        # A member-role grant: the member's own pages (我的出勤); admins: the requirement overrides.
        "nav_is_member": "member" in roles,
        "nav_portal_admin": "admin" in roles,
    }
