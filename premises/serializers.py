"""Shapes of the premises API (shape only: the search and its rules live in `premises.search`)."""

from rest_framework import serializers

from core.serializers import QueryInput
from premises.search import MAX_QUERY_CHARS


class SearchInput(QueryInput):
    q = serializers.CharField(max_length=MAX_QUERY_CHARS)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class PremisesSerializer(serializers.Serializer):
    uprn = serializers.IntegerField()
    address = serializers.CharField(source="one_line")
    sub_building = serializers.CharField()
    building_name = serializers.CharField()
    building_number = serializers.CharField()
    street = serializers.CharField()
    locality = serializers.CharField()
    town = serializers.CharField()
    postcode = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


class SearchHitSerializer(PremisesSerializer):
    """One search result: the premises' fields and its rank score (higher is better)."""

    score = serializers.FloatField()

    def to_representation(self, hit):
        return {**PremisesSerializer(hit.premises).data, "score": hit.score}
