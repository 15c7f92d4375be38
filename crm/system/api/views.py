from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.core.api.views import METHOD_ACTIONS, ModuleActionPermission, UserLanguageMixin
from crm.system import services
from crm.system.dictionaries import KINDS
from crm.system.models import DictionaryItem, Holiday, NumberSequence, SystemSettings
from crm.system.numbering import SEQUENCES, preview_number, stored_or_default


class ReadForAllWriteForAdmins(permissions.BasePermission):
    """Every signed-in user reads (forms need the picklists); changing needs system.<action>."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_module_perm("system", METHOD_ACTIONS.get(request.method, "edit"))


class DictionaryItemSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=[])

    class Meta:
        model = DictionaryItem
        fields = ["id", "kind", "code", "label", "label_zh", "label_en", "sort_order", "color", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(KINDS)  # what the modules registered, read when asked


class DictionaryItemViewSet(UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Dictionary items; ?kind=industry picks one list. Items are deactivated, never deleted."""

    serializer_class = DictionaryItemSerializer
    permission_classes = [ReadForAllWriteForAdmins]
    filterset_fields = ["kind", "is_active"]
    search_fields = ["code", "label_zh", "label_en"]
    ordering_fields = ["sort_order", "code"]

    def get_queryset(self):
        items = DictionaryItem.objects.filter(kind__in=list(KINDS))
        if not self.request.user.has_module_perm("system", "view"):
            items = items.filter(is_active=True)
        return items

    def perform_create(self, serializer):
        serializer.instance = services.create_dictionary_item(actor=self.request.user,
                                                              data=serializer.validated_data)

    def perform_update(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k not in {"kind", "code"}}
        serializer.instance = services.update_dictionary_item(actor=self.request.user, item=self.get_object(),
                                                              data=data)


class SystemSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = SystemSettings
        fields = ["company_name", "currency", "time_zone", "fiscal_year_start_month", "work_start", "work_end",
                  "work_days"]


class SystemSettingsView(UserLanguageMixin, APIView):
    permission_classes = [ReadForAllWriteForAdmins]
    serializer_class = SystemSettingsSerializer

    def get(self, request):
        return Response(SystemSettingsSerializer(SystemSettings.current()).data)

    def patch(self, request):
        serializer = SystemSettingsSerializer(SystemSettings.current(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        settings = services.update_settings(actor=request.user, data=serializer.validated_data)
        return Response(SystemSettingsSerializer(settings).data)


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "name", "is_workday"]


class HolidayViewSet(UserLanguageMixin, viewsets.ModelViewSet):
    queryset = Holiday.objects.all()
    serializer_class = HolidaySerializer
    permission_classes = [ReadForAllWriteForAdmins]
    filterset_fields = {"date": ["gte", "lte", "year"]}

    def perform_create(self, serializer):
        serializer.instance = services.save_holiday(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.save_holiday(actor=self.request.user, data=serializer.validated_data,
                                                    holiday=self.get_object())

    def perform_destroy(self, instance):
        services.delete_holiday(actor=self.request.user, holiday=instance)


class NumberSequenceSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="__str__", read_only=True)
    next_number = serializers.SerializerMethodField()

    class Meta:
        model = NumberSequence
        fields = ["code", "label", "prefix", "date_part", "separator", "padding", "reset", "period", "counter",
                  "next_number"]
        read_only_fields = ["code", "period", "counter"]

    def get_next_number(self, sequence: NumberSequence) -> str:
        return preview_number(sequence)


class NumberSequenceViewSet(UserLanguageMixin, viewsets.ViewSet):
    """Document number formats (as System → Document numbers): read with system.view, change with system.edit."""

    permission_classes = [ModuleActionPermission]
    serializer_class = NumberSequenceSerializer
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"  # codes have dots: customers.customer

    def get_module(self) -> str:
        return "system"

    def required_action(self) -> str:
        return METHOD_ACTIONS.get(self.request.method, "edit")

    def _sequence(self, code: str) -> NumberSequence:
        if code not in SEQUENCES:
            raise NotFound
        return stored_or_default(code)

    def list(self, request):
        sequences = [self._sequence(code) for code in sorted(SEQUENCES)]
        return Response(NumberSequenceSerializer(sequences, many=True).data)

    def retrieve(self, request, code=None):
        return Response(NumberSequenceSerializer(self._sequence(code)).data)

    def partial_update(self, request, code=None):
        serializer = NumberSequenceSerializer(self._sequence(code), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        sequence = services.update_number_sequence(actor=request.user, code=code, data=serializer.validated_data)
        return Response(NumberSequenceSerializer(sequence).data)
