from django import forms

from core.exceptions import ConflictError, DomainError
from core.htmx import domain_error_status


class NoteForm(forms.Form):
    title = forms.CharField()
    body = forms.CharField()


class FieldRefusal(DomainError):
    """A refusal naming a field, whether or not DomainError itself takes ``field``."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _form() -> NoteForm:
    form = NoteForm({"title": "A", "body": "B"})
    assert form.is_valid()
    return form


def test_domain_error_status_domain_error_is_a_non_field_error_with_200():
    form = _form()

    status = domain_error_status(DomainError("Not allowed."), form)

    assert status == 200
    assert form.non_field_errors() == ["Not allowed."]
    assert form.errors == {"__all__": ["Not allowed."]}


def test_domain_error_status_domain_error_naming_a_field_goes_on_that_field():
    form = _form()

    status = domain_error_status(FieldRefusal("Too short.", field="body"), form)

    assert status == 200
    assert form.errors == {"body": ["Too short."]}
    assert "body" not in form.cleaned_data


def test_domain_error_status_field_the_form_lacks_falls_back_to_a_non_field_error():
    form = _form()

    domain_error_status(FieldRefusal("Refused.", field="missing"), form)

    assert form.errors == {"__all__": ["Refused."]}


def test_domain_error_status_default_field_takes_errors_that_name_no_field():
    form = _form()

    domain_error_status(DomainError("Bad file."), form, field="title")

    assert form.errors == {"title": ["Bad file."]}


def test_domain_error_status_named_field_wins_over_the_default_field():
    form = _form()

    domain_error_status(FieldRefusal("Too short.", field="body"), form, field="title")

    assert form.errors == {"body": ["Too short."]}


def test_domain_error_status_conflict_error_is_409_with_the_message_on_the_form():
    form = _form()

    status = domain_error_status(ConflictError("Changed since you opened it."), form)

    assert status == 409
    assert form.non_field_errors() == ["Changed since you opened it."]


def test_domain_error_status_without_a_form_only_gives_the_status():
    assert domain_error_status(DomainError("No.")) == 200
    assert domain_error_status(ConflictError("Stale.")) == 409


class EntryForm(forms.Form):
    location = forms.CharField()
    default_location = forms.CharField(required=False)


def _entry_form() -> EntryForm:
    form = EntryForm({"location": "X"})
    assert form.is_valid()
    return form


def test_domain_error_status_service_id_argument_goes_on_the_form_choice_without_the_suffix():
    form = _entry_form()

    domain_error_status(DomainError("Closed site.", field="location_id"), form)

    assert form.errors == {"location": ["Closed site."]}


def test_domain_error_status_alias_maps_the_service_name_to_the_form_field():
    form = _entry_form()

    domain_error_status(
        DomainError("No such code.", field="location"), form, aliases={"location": "default_location"}
    )

    assert form.errors == {"default_location": ["No such code."]}


def test_domain_error_status_conflict_naming_a_field_is_409_beside_that_field():
    form = _entry_form()

    status = domain_error_status(ConflictError("Only 2 on hand.", field="location"), form)

    assert (status, form.errors) == (409, {"location": ["Only 2 on hand."]})
