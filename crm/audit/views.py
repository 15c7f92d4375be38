from django.views import generic

from crm.audit.filtersets import AuditEventFilterSet
from crm.audit.models import AuditEvent
from crm.audit.presenting import present_events
from crm.core.views import ModulePermissionMixin


class AuditEventListView(ModulePermissionMixin, generic.ListView):
    """The audit viewer, for administrators: each event in words (crm.audit.presenting), 50 to a page."""

    module = "system"
    template_name = "audit/event_list.html"
    paginate_by = 50

    def get_queryset(self):
        events = AuditEvent.objects.select_related("actor", "content_type")
        self.filterset = AuditEventFilterSet(self.request.GET or None, queryset=events)
        return self.filterset.qs if self.filterset.is_valid() else events

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        return {**context, "filterset": self.filterset, "query_without_page": query.urlencode(),
                "events": present_events(list(context["object_list"]), self.request.user)}
