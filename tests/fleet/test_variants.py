"""The hardware-variant resolver: pure, no database."""

from __future__ import annotations

import datetime as dt

from fleet.domain.variants import RowClues, board_from, boards, cpu_vendor_from, resolve_variants, variant_of

INTEL = variant_of(
    key=1, name="Lenovo 100e Chromebook Gen 3 (Intel)", board_codename="bookem", aue_month=dt.date(2031, 6, 1)
)
AMD = variant_of(
    key=2, name="Lenovo 100e Chromebook Gen 3 (AMD)", board_codename="vilboz", aue_month=dt.date(2031, 6, 1)
)
C734 = variant_of(
    key=3,
    name="Acer Chromebook 511 (C734, C734T, C733-R, C733T-R)",
    board_codename="maglith",
    model_codes="C734|C734T|C733-R|C733T-R",
    aue_month=dt.date(2031, 6, 1),
)
C741L = variant_of(
    key=4,
    name="Acer Chromebook 511 (C741L, C741LT)",
    board_codename="limozeen",
    model_codes="C741L|C741LT",
    aue_month=dt.date(2031, 6, 1),
)
C736 = variant_of(
    key=5,
    name="Acer Chromebook 511 (C736, C736T, C736L, C736LT)",
    board_codename="craaskvin",
    model_codes="C736|C736T|C736L|C736LT",
    aue_month=dt.date(2033, 6, 1),
)


def keys(found: tuple) -> list[int]:
    return [variant.key for variant in found]


def test_board_facts_come_from_the_projects_own_fixture():
    assert boards()["vilboz"].baseboard == "zork"
    assert boards()["vilboz"].cpu_vendor == "amd"
    assert boards()["bookem"].baseboard == "dedede"
    assert boards()["limozeen"].cpu_vendor == "qualcomm"


def test_variant_of_reads_boards_baseboards_and_cpu():
    assert INTEL.baseboards == frozenset({"dedede"}) and INTEL.cpu_vendor == "intel"
    assert AMD.baseboards == frozenset({"zork"}) and AMD.cpu_vendor == "amd"
    assert C734.model_codes == frozenset({"c734", "c734t", "c733-r", "c733t-r"})
    assert AMD.aue_month == (2031, 6)


def test_variant_of_a_board_we_do_not_know_reads_the_cpu_from_the_name():
    variant = variant_of(key=9, name="Lenovo 100e Chromebook Gen 4 (Intel)", board_codename="")
    assert (variant.boards, variant.cpu_vendor) == (frozenset(), "intel")


def test_board_from_firmware_and_from_the_platform_version():
    assert board_from(RowClues(firmware_version="Google_Vilboz.13434.358.0")) == "vilboz"
    assert (
        board_from(RowClues(platform_version="16151.61.0 (Official Build) stable-channel dedede")) == "dedede"
    )
    assert board_from(RowClues(firmware_version="garbage", platform_version="16151.61.0")) == ""


def test_cpu_vendor_from_cpuinfo_text():
    assert cpu_vendor_from("AMD 3015Ce with Radeon Graphics") == "amd"
    assert cpu_vendor_from("Intel(R) Celeron(R) N4500 @ 1.10GHz") == "intel"
    assert cpu_vendor_from("Qualcomm Snapdragon 7c") == "qualcomm"
    assert cpu_vendor_from("") == ""


def test_firmware_board_picks_the_variant():
    found = resolve_variants([INTEL, AMD], RowClues(firmware_version="Google_Vilboz.13606.604.0"))
    assert keys(found) == [2]


def test_firmware_baseboard_picks_the_variant_when_no_board_matches():
    found = resolve_variants([INTEL, AMD], RowClues(firmware_version="Google_Dedede.13606.604.0"))
    assert keys(found) == [1]


def test_cpu_picks_the_variant():
    found = resolve_variants([INTEL, AMD], RowClues(cpu="AMD 3015Ce with Radeon Graphics"))
    assert keys(found) == [2]


def test_model_code_in_the_text_picks_the_variant():
    found = resolve_variants([C734, C741L], RowClues(model_text="Acer Chromebook 511 C741L"))
    assert keys(found) == [4]


def test_aue_month_picks_the_variant():
    found = resolve_variants([C734, C736], RowClues(aue=dt.date(2033, 6, 30)))
    assert keys(found) == [5]


def test_nothing_separating_the_variants_keeps_them_all():
    found = resolve_variants([C734, C741L, C736], RowClues(aue=dt.date(2031, 6, 30)))
    assert keys(found) == [3, 4]


def test_a_clue_no_candidate_agrees_with_is_ignored():
    found = resolve_variants(
        [INTEL, AMD], RowClues(firmware_version="Google_Octopus.1.2.3", cpu="MediaTek MT8183")
    )
    assert keys(found) == [1, 2]


def test_a_single_candidate_is_left_alone():
    assert keys(resolve_variants([INTEL], RowClues(cpu="AMD"))) == [1]
