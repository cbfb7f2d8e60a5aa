"""``choice_label``: a stored value read as a column, labelled as ``get_FOO_display`` labels it."""

from core.choices import JobStatus, choice_label


def test_a_choice_gets_its_label_and_a_value_no_longer_offered_shows_as_stored():
    assert choice_label(JobStatus, "succeeded") == "Finished"
    assert choice_label(JobStatus, "archived") == "archived"
    assert choice_label(JobStatus, "") == ""


def test_every_choice_of_the_list_rows_gets_the_label_the_model_would_show():
    from fleet.choices import AssigneeKind, DeviceStatus
    from repairs.choices import Priority, SupportTier, Symptom, TicketStatus

    for choices in (DeviceStatus, AssigneeKind, Priority, SupportTier, Symptom, TicketStatus):
        for value, label in choices.choices:
            assert choice_label(choices, value) == str(label)
            assert choice_label(choices, value) == str(choices(value).label)


def test_a_label_is_made_a_string_on_each_call_so_it_follows_the_active_language():
    from django.db import models
    from django.utils.translation import gettext_lazy, override

    class Answer(models.TextChoices):
        YES = "yes", gettext_lazy("Yes")

    with override("fr"):
        french = choice_label(Answer, "yes")
    with override("en"):
        english = choice_label(Answer, "yes")
    # Django's own catalogue translates "Yes".
    assert (english, french) == ("Yes", "Oui")
