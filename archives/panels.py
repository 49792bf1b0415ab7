"""What the archives add to the organisation page (being written)."""


def archive_panel(request, organisation) -> str:
    return ""
