"""Factories shared by every app's tests."""

import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

_seq = itertools.count(1)
PASSWORD = "Correct-horse-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


def staff(*roles, username=None, **kwargs):
    """A user holding `roles` (Django groups created by the roles migration)."""
    user = UserFactory(
        username=username or f"{(roles[0] if roles else 'user').lower()}{next(_seq)}", **kwargs
    )
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user
