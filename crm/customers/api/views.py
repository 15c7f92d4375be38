from crm.core.api.views import ScopedModelViewSet
from crm.customers import services
from crm.customers.api.serializers import CustomerSerializer
from crm.customers.filtersets import CustomerFilterSet
from crm.customers.models import Customer


class CustomerViewSet(ScopedModelViewSet):
    queryset = Customer.objects.select_related("owner", "department")
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilterSet
    search_fields = ["name", "phone", "email"]
    ordering_fields = ["name", "created_at", "updated_at", "level"]

    def get_queryset(self):
        return super().get_queryset().select_related("owner", "department")

    def perform_create(self, serializer):
        serializer.instance = services.create_customer(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_customer(
            actor=self.request.user, customer=self.get_object(), data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_customer(actor=self.request.user, customer=instance)
