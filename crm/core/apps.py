from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    """collectstatic without the ECharts builds no page loads: its dist/ holds 46 MB of variants beside the one
    we serve (echarts.min.js), and compressing them cost every install a minute."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns,
                       "echarts.js*", "echarts.common*", "echarts.simple*", "echarts.esm*", "extension"]


class CoreConfig(AppConfig):
    name = "crm.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crm.core.navigation import NavItem, register_nav

        register_nav(NavItem(_("Home"), "home", "house", order=0))

        from crm.core.api.fields import use_calendar_date_fields
        from crm.core.lookups import register_lookups

        use_calendar_date_fields()
        register_lookups()

        from django.db.models.signals import post_migrate

        from crm.core.fulltext import repair_search_indexes

        # SQLite drops a table's triggers when a migration rebuilds the table: put the search index's back.
        post_migrate.connect(repair_search_indexes, sender=self, dispatch_uid="crm.core.repair_search_indexes")
