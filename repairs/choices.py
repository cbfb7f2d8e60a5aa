from django.db import models


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    IN_PROGRESS = "in_progress", "In progress"
    WAITING_FOR_PARTS = "waiting_for_parts", "Waiting for parts"
    AT_VENDOR = "at_vendor", "At vendor"
    REPAIRED = "repaired", "Repaired"
    RETURNED = "returned", "Returned"
    CLOSED = "closed", "Closed"
    BEYOND_REPAIR = "beyond_repair", "Beyond economical repair"


OPEN_TICKET_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.TRIAGED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.WAITING_FOR_PARTS,
    TicketStatus.AT_VENDOR,
    TicketStatus.REPAIRED,
)


class TicketEventKind(models.TextChoices):
    OPENED = "opened", "Opened"
    STATUS_CHANGED = "status_changed", "Status changed"
    ASSIGNED = "assigned", "Assigned"
    ESCALATED = "escalated", "Escalated"
    REOPENED = "reopened", "Reopened"
    PART_ISSUED = "part_issued", "Part issued"
    PART_RETURNED = "part_returned", "Part returned"
    NOTE = "note", "Note"


class Symptom(models.TextChoices):
    SCREEN = "screen", "Screen"
    KEYBOARD = "keyboard", "Keyboard"
    BATTERY = "battery", "Battery"
    CHARGER = "charger", "Charger"
    HINGE = "hinge", "Hinge or housing"
    NO_POWER = "no_power", "No power"
    LIQUID = "liquid", "Liquid"
    CAMERA = "camera", "Camera"
    TOUCHPAD = "touchpad", "Touchpad"
    PORT = "port", "Port"
    SOFTWARE = "software", "Software or OS"
    OTHER = "other", "Other"


class DamageCause(models.TextChoices):
    ACCIDENTAL = "accidental", "Accidental"
    INTENTIONAL = "intentional", "Intentional"
    WEAR = "wear", "Wear"
    LIQUID = "liquid", "Liquid"
    LOST = "lost", "Lost or stolen"
    UNKNOWN = "unknown", "Unknown"
    WARRANTY_DEFECT = "warranty_defect", "Warranty defect"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class SupportTier(models.TextChoices):
    FIRST = "first", "First level"
    SECOND = "second", "Second level"
    THIRD = "third", "Third level"
    VENDOR = "vendor", "Vendor or warranty depot"


class Coverage(models.TextChoices):
    NONE = "", "Not covered"
    WARRANTY = "warranty", "Manufacturer warranty"
    ACCIDENTAL_DAMAGE = "accidental_damage", "Accidental-damage plan"


class PartCategory(models.TextChoices):
    BATTERY = "battery", "Battery"
    BATTERY_CABLE = "battery_cable", "Battery cable"
    BOTTOM_COVER_D = "bottom_cover_d", "Bottom cover (D)"
    CAMERA = "camera", "Camera"
    CHARGER = "charger", "Charger"
    DC_JACK = "dc_jack", "DC jack"
    HINGE = "hinge", "Hinge"
    HINGE_COVER = "hinge_cover", "Hinge cover"
    IO_BOARD = "io_board", "I/O board"
    KEYBOARD = "keyboard", "Keyboard"
    LCD_BACK_COVER_A = "lcd_back_cover_a", "LCD back cover (A)"
    LCD_BEZEL = "lcd_bezel", "LCD bezel (B)"
    LCD_CABLE = "lcd_cable", "LCD cable"
    LCD_PANEL = "lcd_panel", "LCD panel"
    MICROPHONE = "microphone", "Microphone"
    MOTHERBOARD = "motherboard", "Motherboard"
    PALMREST_KEYBOARD_C = "palmrest_keyboard_c", "Palmrest with keyboard (C)"
    SENSOR_BOARD = "sensor_board", "Sensor board"
    SPEAKERS = "speakers", "Speakers"
    TOUCH_SCREEN_ASSEMBLY = "touch_screen_assembly", "Touch screen assembly"
    TOUCHPAD = "touchpad", "Touchpad"
    TOUCHPAD_CABLE = "touchpad_cable", "Touchpad cable"
    WIFI_CARD = "wifi_card", "Wi-Fi card"


#: The part categories a symptom most often needs, so the likeliest part is offered first.
SYMPTOM_PART_CATEGORIES: dict[str, tuple[str, ...]] = {
    Symptom.SCREEN: (PartCategory.LCD_PANEL, PartCategory.TOUCH_SCREEN_ASSEMBLY, PartCategory.LCD_CABLE),
    Symptom.KEYBOARD: (PartCategory.KEYBOARD, PartCategory.PALMREST_KEYBOARD_C),
    Symptom.BATTERY: (PartCategory.BATTERY, PartCategory.BATTERY_CABLE),
    Symptom.CHARGER: (PartCategory.CHARGER, PartCategory.DC_JACK),
    Symptom.HINGE: (
        PartCategory.HINGE,
        PartCategory.HINGE_COVER,
        PartCategory.LCD_BACK_COVER_A,
        PartCategory.LCD_BEZEL,
        PartCategory.BOTTOM_COVER_D,
    ),
    Symptom.NO_POWER: (PartCategory.MOTHERBOARD, PartCategory.DC_JACK, PartCategory.BATTERY),
    Symptom.LIQUID: (PartCategory.PALMREST_KEYBOARD_C, PartCategory.MOTHERBOARD),
    Symptom.CAMERA: (PartCategory.CAMERA,),
    Symptom.TOUCHPAD: (PartCategory.TOUCHPAD, PartCategory.TOUCHPAD_CABLE),
    Symptom.PORT: (PartCategory.IO_BOARD, PartCategory.DC_JACK),
}


class StockLocationKind(models.TextChoices):
    DEPOT = "depot", "Central depot"
    TECHNICIAN_KIT = "technician_kit", "Technician kit"
    SCHOOL = "school", "School storeroom"


class StockMovementKind(models.TextChoices):
    RECEIVED = "received", "Received"
    ISSUED = "issued", "Issued to a ticket"
    RETURNED = "returned", "Returned from a ticket"
    TRANSFER_OUT = "transfer_out", "Transferred out"
    TRANSFER_IN = "transfer_in", "Transferred in"
    ADJUSTED = "adjusted", "Adjusted"
    HARVESTED = "harvested", "Harvested from a retired device"


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    PARTIALLY_RECEIVED = "partially_received", "Partially received"
    RECEIVED = "received", "Received"
    CANCELLED = "cancelled", "Cancelled"


OPEN_PURCHASE_ORDER_STATUSES = (PurchaseOrderStatus.SENT, PurchaseOrderStatus.PARTIALLY_RECEIVED)
