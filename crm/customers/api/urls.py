from django.urls import path
from rest_framework.routers import DefaultRouter

from crm.customers.api.duplicates import CustomerDuplicateViewSet
from crm.customers.api.personal_data import ContactPersonalDataViewSet
from crm.customers.api.pool import CustomerPoolActionsViewSet, LifecyclePolicyView, PoolRuleViewSet, PoolViewSet
from crm.customers.api.views import ActivityViewSet, ContactViewSet, CustomerViewSet

router = DefaultRouter(trailing_slash=True)
router.register("customers", CustomerViewSet, basename="customer")
router.register("contacts", ContactViewSet, basename="contact")
router.register("activities", ActivityViewSet, basename="activity")
router.register("pool", PoolViewSet, basename="pool")
router.register("pool-rules", PoolRuleViewSet, basename="pool-rule")
# Before the router: its customers/{pk}/ would otherwise take "duplicates" and "merge" for an id.
urlpatterns = [
    path("customers/duplicates/", CustomerDuplicateViewSet.as_view({"get": "groups"}), name="customer-duplicates"),
    path("customers/merge/", CustomerDuplicateViewSet.as_view({"post": "merge"}), name="customer-merge"),
    path("customers/<int:pk>/duplicates/", CustomerDuplicateViewSet.as_view({"get": "of_customer"}),
         name="customer-duplicates-of"),
    path("contacts/<int:pk>/personal-data/", ContactPersonalDataViewSet.as_view({"get": "export"}),
         name="contact-personal-data"),
    path("contacts/<int:pk>/erase/", ContactPersonalDataViewSet.as_view({"post": "erase"}), name="contact-erase"),
    path("customers/<int:pk>/release/", CustomerPoolActionsViewSet.as_view({"post": "release"}),
         name="customer-release"),
    path("customers/<int:pk>/lifecycle/", CustomerPoolActionsViewSet.as_view({"post": "set_stage"}),
         name="customer-lifecycle"),
    path("customers/<int:pk>/lifecycle/unlock/", CustomerPoolActionsViewSet.as_view({"post": "unlock_stage"}),
         name="customer-lifecycle-unlock"),
    path("lifecycle-policy/", LifecyclePolicyView.as_view(), name="lifecycle-policy"),
    *router.urls,
]
