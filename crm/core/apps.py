from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Home"), "home", "house", order=0))

        from crm.core import widgets
        from crm.core.dashboard import register_widget

        register_widget(widgets.RECENTLY_VIEWED)
        register_widget(widgets.TASK_QUEUE)

        from crm.core.api.fields import use_calendar_date_fields
        from crm.core.lookups import register_lookups

        use_calendar_date_fields()
        register_lookups()

        from django.db.models.signals import post_migrate

        from crm.core.fulltext import repair_search_indexes

        # SQLite drops a table's triggers when a migration rebuilds the table: put the search index's back.
        post_migrate.connect(repair_search_indexes, sender=self, dispatch_uid="crm.core.repair_search_indexes")
