"""django.contrib.staticfiles as the project installs it: its own module, because an apps.py holding two app
configs would leave Django to pick neither (and CoreConfig.ready() would never run)."""

from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    """collectstatic without the ECharts builds no page loads: its dist/ holds 46 MB of variants beside the one
    we serve (echarts.min.js), and compressing them cost every install a minute."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns,
                       "echarts.js*", "echarts.common*", "echarts.simple*", "echarts.esm*", "extension"]
