from django.apps import AppConfig


class StudentsConfig(AppConfig):
    """One-to-one: students from the SIS roster, hand-out and collection of devices, signed
    agreements, accessories, damage charges, payments and holds."""

    name = "students"
    verbose_name = "Students (one-to-one)"
