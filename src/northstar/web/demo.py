"""Users for `northstar demo`: an admin and the owner of the north-star metric, whose home page
is their metric. Passwords are generated and returned once, never stored in clear."""

from __future__ import annotations

from northstar.errors import NorthstarError
from northstar.project import Project
from northstar.secret import load_or_create_secret
from northstar.web.audit import AuditLog
from northstar.web.auth import Auth, new_password
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables


def create_demo_users(project: Project, metric: str = "net_revenue") -> dict[str, str]:
    """Create `demo-admin` and `demo-owner` (the owner of `metric`); returns user -> password.
    Users that already exist are left alone (and not in the result)."""
    owner = project.catalog.owner_of(metric)
    if owner is None:
        raise NorthstarError(f"nobody owns {metric} in people.yml")
    ensure_tables(project.engine)
    settings = WebSettings()
    auth = Auth(project.engine, load_or_create_secret(project.root), settings)
    audit = AuditLog(project.engine)
    made: dict[str, str] = {}
    for user, role in (("demo-admin", "admin"), ("demo-owner", "editor")):
        if auth.get_user(user) is not None:
            continue
        password = new_password()
        auth.add_user(user, owner.id, role, password)
        audit.record(settings.clock(), "demo", "user.add", "ok",
                     {"username": user, "role": role, "person": owner.id})
        made[user] = password
    return made
