"""Left navigation: each app registers its entries in AppConfig.ready(); the shell shows those the user may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: Promise | str
    url_name: str
    icon: str  # a Bootstrap Icons name, e.g. "people"
    module: str = ""  # permission module; the entry shows when the user may do ``action`` on it
    action: str = "view"
    section: str = "main"  # "main" or "admin"
    order: int = 100
    superuser_only: bool = False

    def visible_to(self, user) -> bool:
        if self.superuser_only:
            return user.is_superuser
        return not self.module or user.has_module_perm(self.module, self.action)

    @property
    def url(self) -> str:
        # Every page's shell prints every entry's address two or three times: reversed once per prefix and URLconf.
        key = (self.url_name, get_script_prefix(), get_urlconf())
        if key not in _urls:
            _urls[key] = reverse(self.url_name)
        return _urls[key]


_urls: dict[tuple[str, str, str | None], str] = {}


_items: list[NavItem] = []


def register_nav(*items: NavItem) -> None:
    _items.extend(items)
    _items.sort(key=lambda item: item.order)


def nav_for(user, section: str) -> list[NavItem]:
    return [item for item in _items if item.section == section and item.visible_to(user)]
