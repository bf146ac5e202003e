"""Which main-menu item a page belongs to: decided by the view that answered (its endpoint), never by the
URL or by the template that happened to render.

A refused form renders its page from the POST's endpoint (`pools.bulk` renders the review queue); listing
endpoints per menu item missed those, so the menu lit the wrong item or none. Here a blueprint names its
item once, and the few endpoints that serve another item than their blueprint's are listed by name. A page
whose item the user's menu does not show (an admin's 403) simply lights nothing.
"""

from flask import request

BY_BLUEPRINT = {
    "main": "home",
    "firms": "firms",
    "worklist": "worklist",
    "ladder": "worklist",  # a case is worked from the work list
    "pools": "pools",
    "imports": "imports",
    "exports": None,  # a background export belongs to the list it came from, not to 数据导入
    "inbox": "inbox",
    "campaigns": "campaigns",
    "dashboard": "dashboard",
    "plans": "dashboard",
    "admin": "home",  # the users are the admin's home page
}
BY_ENDPOINT = {
    "pools.review": "review",
    "pools.decide": "review",
    "pools.bulk": "review",
    "pools.bulk_result": "review",
    "pools.targets": "targets",
    "pools.adopt_split": "targets",
    "pools.nominate_firm": "firms",  # 推荐入库 from the firm's page
    "inbox.checks": "checks",
    "inbox.queue": "checks",
    "inbox.check_run": "checks",
    "admin.logins": "logins",
}


def nav_section(endpoint: str | None, blueprint: str | None) -> str | None:
    if endpoint in BY_ENDPOINT:
        return BY_ENDPOINT[endpoint]
    return BY_BLUEPRINT.get(blueprint or "")


def active_section() -> str | None:
    return nav_section(request.endpoint, request.blueprint)
