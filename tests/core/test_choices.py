"""``choice_label``: a stored value read as a column, labelled as ``get_FOO_display`` labels it."""

from core.choices import JobStatus, choice_label


def test_a_choice_gets_its_label_and_a_value_no_longer_offered_shows_as_stored():
    assert choice_label(JobStatus, "succeeded") == "Finished"
    assert choice_label(JobStatus, "archived") == "archived"
    assert choice_label(JobStatus, "") == ""
