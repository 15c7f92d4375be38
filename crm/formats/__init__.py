"""One date and time format per language, the same on every page: 2026-12-03 and 2026-12-03 14:30.

Django's own locale formats differ by language (2026年12月3日 in Chinese, "Dec. 3, 2026" in English) and templates
then wrote their own ("Y-m-d H:i") beside them, so one page showed both. ISO order reads the same in both
languages and sorts as it reads; every template prints dates through these (``|date`` with no argument, or
``|date:"SHORT_DATE_FORMAT"``), never with a pattern of its own.
"""
