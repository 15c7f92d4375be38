from axes.handlers.proxy import AxesProxyHandler
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView


class TokenRequestSerializer(AuthTokenSerializer):
    # Bounded like the user model's field: an absurd name is refused before it reaches the lock-out records.
    username = serializers.CharField(label=_("User name"), max_length=150, write_only=True)
    password = serializers.CharField(label=_("Password"), max_length=4096, write_only=True,
                                     style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """POST username and password, get {"token": ...} for ``Authorization: Token <token>``.

    Goes through authenticate(), so lockout and the failed log-in audit apply as on the login page.
    """

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request):
        username = request.data.get("username") if hasattr(request.data, "get") else None
        # Only a well-formed name can be locked; anything else is refused by the serializer below.
        plausible = isinstance(username, str) and 0 < len(username) <= 150 and "\x00" not in username
        if plausible and AxesProxyHandler.is_locked(request._request, credentials={"username": username}):
            from crm.accounts.views import lockout_response

            return lockout_response(request._request, {"username": username})
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
