"""Invented names for demo people and schools. Real school names come from mcps_reference.csv."""

# Word lists read better as text than as one quoted word per line.
FIRST_NAMES = """
Aaliyah Adrian Alicia Amir Ana Andre Beatriz Brandon Camila Carlos Chloe Daniel Deja Derek Elena
Ethan Fatima Gabriel Grace Hana Hector Imani Isaac Jamal Jasmine Jordan Julia Kai Keisha Kevin
Laila Lucas Maya Marcus Mei Miguel Nadia Nathan Nia Omar Priya Quinn Rafael Rosa Samir Sara Tariq
Tessa Tomas Vanessa Victor Wei Xavier Yasmin Yusuf Zoe Patrick Leah Owen Irene
""".split()  # noqa: SIM905

LAST_NAMES = """
Abebe Alvarez Anderson Bailey Banerjee Bennett Brooks Castillo Chen Coleman Diaz Dunn Edwards Evans
Flores Foster Garcia Gomez Gupta Hall Harris Hughes Ibrahim Jackson Jenkins Kim Kowalski Lee Lopez
Mendoza Mitchell Morales Murphy Nguyen Okafor Ortiz Owens Park Patel Perry Price Ramirez Reyes
Richardson Rivera Robinson Sanchez Santos Shah Simmons Singh Sullivan Tanaka Thomas Torres Tran
Turner Vasquez Walker Washington Watson Williams Wright Yilmaz Young Zhang Ali Boateng Cruz Dawson
""".split()  # noqa: SIM905

PLACE_FIRST = """
Ash Aspen Beech Birch Briar Cedar Cherry Chestnut Clover Dogwood Elm Fern Fox Hawthorn Hazel Heron
Holly Juniper Laurel Linden Locust Magnolia Maple Meadow Oak Orchard Pine Poplar Quail Redbud
Sassafras Stone Sycamore Walnut Willow Bluebell Kestrel Rowan Sparrow Thistle
""".split()  # noqa: SIM905

PLACE_SECOND = """
Creek Hill Grove Park Valley Ridge Meadow Run Knolls Farm Crossing Branch Falls Woods Point Glen
Mill Spring Hollow View
""".split()  # noqa: SIM905

CLUSTER_REGIONS = ["Upcounty", "Downcounty", "Midcounty", "Eastern", "Western", "Northern", "Southern"]
