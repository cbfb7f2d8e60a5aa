from django.db import models


class AccessoryKind(models.TextChoices):
    CHARGER = "charger", "Charger"
    CASE = "case", "Case"
    STYLUS = "stylus", "Stylus"


class Condition(models.TextChoices):
    """The state of a device or accessory as seen at hand-out or collection."""

    NEW = "new", "New"
    GOOD = "good", "Good"
    FAIR = "fair", "Fair: worn, works"
    DAMAGED = "damaged", "Damaged"
    MISSING = "missing", "Missing"


class HandoutOrigin(models.TextChoices):
    """How a hand-out came to be recorded."""

    SCAN = "scan", "Handed out by scan"
    # The device was assigned to the student outside the hand-out screen (a Google Admin import,
    # the device page): the hand-out is recorded when it is collected, with nothing signed.
    ASSIGNMENT = "assignment", "Recorded from the device's assignment"


class SignedBy(models.TextChoices):
    STUDENT = "student", "Student"
    PARENT = "parent", "Parent or guardian"
    PAPER = "paper", "Signed on paper"


class ChargeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    OPEN = "open", "Open"
    PARTLY_PAID = "partly_paid", "Partly paid"
    PAID = "paid", "Paid"
    WAIVED = "waived", "Waived"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD = "card", "Card"
    ONLINE = "online", "Online"
