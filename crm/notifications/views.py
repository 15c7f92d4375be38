from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views import generic

from crm.core.views import ModulePermissionMixin
from crm.notifications import services
from crm.notifications.mail import OUTBOX_BACKEND
from crm.notifications.models import Notification, OutboxMessage


class NotificationListView(LoginRequiredMixin, generic.ListView):
    template_name = "notifications/list.html"
    paginate_by = 30

    def get_queryset(self):
        # Unread first, then newest: the same on SQLite and PostgreSQL.
        return Notification.objects.visible_to(self.request.user).order_by(
            F("read_at").desc(nulls_first=True), "-created_at")


class BadgeView(LoginRequiredMixin, generic.View):
    """The unread count for the bell in the top bar (polled by htmx); empty when there is nothing new."""

    def get(self, request):
        count = Notification.objects.visible_to(request.user).unread().count()
        if not count:
            return HttpResponse("")
        label = _("%(count)d unread") % {"count": count}
        return HttpResponse(format_html(
            '<span class="position-absolute top-0 start-100 translate-middle badge rounded-pill bg-danger" '
            # aria-label on a span is ignored: screen readers get the words, eyes get the number.
            'id="unread-count"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></span>',
            count if count < 100 else "99+", label))


class MarkReadView(LoginRequiredMixin, generic.View):
    def post(self, request, pk):
        notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
        services.mark_read(actor=request.user, notification=notification)
        target = notification.url if notification.url.startswith("/") else reverse("notifications:list")
        return HttpResponseRedirect(target)


class MarkAllReadView(LoginRequiredMixin, generic.View):
    def post(self, request):
        services.mark_all_read(actor=request.user)
        return HttpResponseRedirect(reverse("notifications:list"))


class OutboxListView(ModulePermissionMixin, generic.ListView):
    """The mail the app would have sent, for administrators, while no mail server is configured."""

    module = "system"
    template_name = "notifications/outbox.html"
    paginate_by = 30

    def get_queryset(self):
        return OutboxMessage.objects.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "outbox_in_use": settings.EMAIL_BACKEND == OUTBOX_BACKEND,
                "keep_days": settings.CRM_OUTBOX_DAYS}
