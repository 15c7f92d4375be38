from django.urls import path

from crm.core.views import DeleteListView, SaveListView
from crm.customers import views
from crm.customers.views import duplicates, exports, personal_data
from crm.customers.views import pool as pool_views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("follow-ups/due/", views.DueFollowUpListView.as_view(), name="due"),
    path("export/", exports.CustomerExportView.as_view(), name="export"),
    path("contacts/export/", exports.ContactExportView.as_view(), name="contact_export"),
    path("bulk/", views.CustomerBulkView.as_view(), name="bulk"),
    # The saved views of the customer list (the shared views of every list, bound to this list's key).
    path("views/save/", SaveListView.as_view(list_key=views.LIST_KEY), name="save_view"),
    path("views/<int:pk>/delete/", DeleteListView.as_view(), name="delete_view"),
    path("recycle-bin/", views.RecycleBinView.as_view(), name="recycle_bin"),
    path("recycle-bin/<int:pk>/<str:operation>/", views.RecycleBinActionView.as_view(), name="recycle_bin_action"),
    path("<int:pk>/activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("<int:pk>/timeline/", views.TimelineView.as_view(), name="timeline"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("<int:pk>/", duplicates.redirect_merged(views.CustomerDetailView.as_view()), name="detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="delete"),
    path("<int:pk>/contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/<int:pk>/", views.ContactUpdateView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/reveal/", views.ContactRevealView.as_view(), name="contact_reveal"),
    path("duplicates/", duplicates.DuplicateListView.as_view(), name="duplicates"),
    path("duplicates/possible/", duplicates.PossibleDuplicatesView.as_view(), name="possible_duplicates"),
    path("duplicates/merge/", duplicates.MergeView.as_view(), name="merge"),
    path("<int:pk>/duplicates/", duplicates.CustomerDuplicatesView.as_view(), name="duplicates_of"),
    path("contacts/<int:pk>/personal-data/", personal_data.ContactPersonalDataView.as_view(),
         name="contact_personal_data"),
    path("contacts/<int:pk>/personal-data/export/", personal_data.ContactPersonalDataExportView.as_view(),
         name="contact_personal_data_export"),
    path("contacts/<int:pk>/erase/", personal_data.ContactEraseView.as_view(), name="contact_erase"),
    path("pool/", pool_views.PoolListView.as_view(), name="pool"),
    path("pool/returning/", pool_views.ReturningSoonListView.as_view(), name="pool_returning"),
    path("pool/rules/", pool_views.PoolRulesView.as_view(), name="pool_rules"),
    path("pool/rules/new/", pool_views.PoolRuleFormView.as_view(), name="pool_rule_create"),
    path("pool/rules/<int:pk>/", pool_views.PoolRuleFormView.as_view(), name="pool_rule_edit"),
    path("pool/rules/<int:pk>/delete/", pool_views.PoolRuleDeleteView.as_view(), name="pool_rule_delete"),
    path("pool/lifecycle-policy/", pool_views.LifecyclePolicyView.as_view(), name="lifecycle_policy"),
    path("pool/<int:pk>/", pool_views.PoolCustomerDetailView.as_view(), name="pool_detail"),
    path("pool/<int:pk>/timeline/", pool_views.PoolTimelineView.as_view(), name="pool_timeline"),
    path("pool/<int:pk>/claim/", pool_views.ClaimView.as_view(), name="pool_claim"),
    path("pool/<int:pk>/assign/", pool_views.AssignFromPoolView.as_view(), name="pool_assign"),
    path("<int:pk>/release/", pool_views.ReleaseView.as_view(), name="release"),
    path("<int:pk>/lifecycle/", pool_views.LifecycleStageView.as_view(), name="lifecycle"),
]
