from axes.handlers.proxy import AxesProxyHandler
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView


class ObtainTokenView(APIView):
    """POST username and password, get {"token": ...} for ``Authorization: Token <token>``.

    Goes through authenticate(), so lockout and the failed log-in audit apply as on the login page.
    """

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
        auth=[],
    )
    def post(self, request):
        username = request.data.get("username", "") if hasattr(request.data, "get") else ""
        if AxesProxyHandler.is_locked(request._request, credentials={"username": str(username)}):
            from crm.accounts.views import lockout_response

            return lockout_response(request._request, {"username": username})
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
