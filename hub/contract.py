"""Extract contract, version 1, as code.

This is the single source of truth for what an extract holds: the validator, the demo
generator, the query layer and docs/contract.md all read it. Nothing else restates it.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTRACT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_KEYS = ("contract_version", "extract_id", "produced_at", "source",
                 "coverage_start", "coverage_end", "files")

# A producer may add columns with this prefix; the dashboard ignores them.
EXTRA_COLUMN_PREFIX = "x_"

# Column names that suggest personal data: refused with a louder message.
IDENTIFIER_LIKE = ("name", "dob", "date_of_birth", "postcode", "address", "nhs_number",
                   "upn", "email", "phone")

LOCALITIES = {
    "E07000129": "Blaby",
    "E07000130": "Charnwood",
    "E07000131": "Harborough",
    "E07000132": "Hinckley and Bosworth",
    "E07000133": "Melton",
    "E07000134": "North West Leicestershire",
    "E07000135": "Oadby and Wigston",
}
COUNTY_CODE = "E10000018"

CHILD_AGE_BANDS = ("0-9", "10-13", "14-15", "16-17")
ADULT_AGE_BANDS = ("18-24", "25+")

CODE_LISTS: dict[str, tuple[str, ...]] = {
    "locality_code": tuple(LOCALITIES),
    "sex": ("female", "male", "other", "not_recorded"),
    "age_band": CHILD_AGE_BANDS + ADULT_AGE_BANDS,
    "child_age_band": CHILD_AGE_BANDS,
    "ethnicity_group": ("white_british", "white_other", "gypsy_roma_traveller", "mixed",
                        "asian", "black", "other", "not_known"),
    "exploitation_type": ("cse", "cce", "cse_and_cce", "trafficking"),
    "referral_source": ("police", "youth_justice", "education", "health", "social_care",
                        "early_help", "voluntary_sector", "family_or_self", "other"),
    "risk_level": ("low", "medium", "high", "not_assessed"),
    "referral_outcome": ("hub_intervention", "strategy_discussion", "signposted",
                         "no_further_action", "open"),
    "missing_from": ("home", "care"),
    "placement_type": ("foster", "childrens_home", "semi_independent", "other"),
    "episode_type": ("missing", "away"),
    "police_risk": ("high", "medium", "low", "no_apparent_risk"),
    "recording_system": ("legacy", "eform"),
    "meeting_trigger": ("repeat_missing", "cse_risk", "cce_risk", "trafficking", "other"),
    "person_type": ("child", "vulnerable_adult"),
    "relationship": ("exploited_child", "family_child", "parent_carer", "vulnerable_adult"),
    "safeguarding_status": ("none", "early_help", "child_in_need", "child_protection",
                            "looked_after", "adult_safeguarding"),
    "education_employment": ("in_education", "in_employment", "neet", "not_applicable"),
    "nrm_decision": ("none", "pending", "positive_reasonable_grounds",
                     "positive_conclusive_grounds", "negative"),
    "justice_status": ("none", "under_investigation", "charged", "convicted_custody",
                       "convicted_community", "recognised_as_victim"),
    "programme": ("warning_zone", "brecks_last_game", "cce_workshop", "online_safety"),
    "setting": ("primary_school", "secondary_school", "further_education", "community",
                "gypsy_traveller_outreach"),
    "funder": ("csp", "pcc", "council", "other"),
    "pursue_measure": ("arrests", "charges", "convictions", "abduction_warning_notices",
                       "compensation_awards"),
    "review_month": ("3", "6", "12"),
}

# Contract types: how each is held in Parquet, and in DuckDB after reading.
TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "int": "BIGINT",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of TYPES
    nullable: bool = False
    codes: str | None = None  # a key of CODE_LISTS
    unique: bool = False
    event_date: bool = False  # must lie inside the manifest's coverage
    notes: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.parquet"

    @property
    def id_column(self) -> str | None:
        return next((c.name for c in self.columns if c.unique), None)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name, type_="string", **kw) -> Column:
    return Column(name, type_, **kw)


_LOCALITY = _c("locality_code", codes="locality_code", notes="ONS district code")
_SEX = _c("sex", codes="sex")
_CHILD_AGE = _c("age_band", codes="child_age_band", notes="age at the event")

TABLES: tuple[Table, ...] = (
    Table("referrals", "One row per referral to the hub.", (
        _c("referral_id", unique=True),
        _c("child_id", notes="pseudonym; a child may have several referrals"),
        _c("referral_date", "date", event_date=True),
        _c("locality_code", codes="locality_code",
           notes="district where the child lives or is placed"),
        _c("exploitation_type", codes="exploitation_type"),
        _c("referral_source", codes="referral_source"),
        _SEX,
        _CHILD_AGE,
        _c("ethnicity_group", codes="ethnicity_group"),
        _c("looked_after", "bool", notes="at referral"),
        _c("placed_by_other_la", "bool",
           notes="true only when looked_after: placed in the county by another council"),
        _c("risk_level", codes="risk_level"),
        _c("outcome", codes="referral_outcome"),
        _c("nrm_referral", "bool", notes="referred to the National Referral Mechanism"),
    )),
    Table("missing_episodes", "One row per missing or away episode of a child.", (
        _c("episode_id", unique=True),
        _c("child_id"),
        _c("start_at", "timestamp", event_date=True, notes="left / last seen (UTC)"),
        _c("end_at", "timestamp", nullable=True, event_date=True,
           notes="found or returned; null = still missing at coverage_end"),
        _LOCALITY,
        _c("missing_from", codes="missing_from"),
        _c("placement_type", nullable=True, codes="placement_type",
           notes="set when missing_from = care, null when home"),
        _c("placed_by_other_la", "bool", notes="true only when missing_from = care"),
        _c("episode_type", codes="episode_type", notes="away only when missing_from = care"),
        _c("police_risk", codes="police_risk"),
        _SEX,
        _CHILD_AGE,
        _c("exploitation_concern", "bool", notes="CSE or CCE concern noted for the episode"),
        _c("recording_system", codes="recording_system"),
        _c("rhi_offered", "bool", notes="return home interview offered"),
        _c("rhi_accepted", "bool", nullable=True, notes="null when not offered"),
        _c("rhi_completed_at", "timestamp", nullable=True,
           notes="null when not completed; never before end_at"),
    )),
    Table("strategy_meetings", "Multi-agency strategy meetings about a child.", (
        _c("meeting_id", unique=True),
        _c("child_id"),
        _c("held_on", "date", event_date=True),
        _LOCALITY,
        _c("trigger", codes="meeting_trigger"),
    )),
    Table("lionheart_cohort",
          "People identified as affected by the Operation Lionheart enforcement.", (
        _c("person_id", unique=True),
        _c("household_id", notes="pseudonym shared by members of one family"),
        _c("person_type", codes="person_type"),
        _c("relationship", codes="relationship"),
        _LOCALITY,
        _SEX,
        _c("age_band", codes="age_band"),
        _c("identified_on", "date", event_date=True),
    )),
    Table("lionheart_followups", "Reviews of each cohort member at 3, 6 and 12 months.", (
        _c("person_id", notes="in lionheart_cohort"),
        _c("review_month", "int", codes="review_month", notes="3, 6 or 12; unique per person"),
        _c("reviewed_on", "date", event_date=True, notes="after identified_on"),
        _c("partnership_meeting_held", "bool",
           notes="a multi-agency partnership meeting has been held for the family"),
        _c("engaged_with_support", "bool"),
        _c("safeguarding_status", codes="safeguarding_status"),
        _c("education_employment", codes="education_employment"),
        _c("missing_since_last_review", "bool"),
        _c("re_referred", "bool", notes="re-referred to the hub since the last review"),
        _c("nrm_decision", codes="nrm_decision"),
        _c("justice_status", codes="justice_status"),
    )),
    Table("prevention_sessions", "Prevention and awareness sessions delivered.", (
        _c("session_id", unique=True),
        _c("delivered_on", "date", event_date=True),
        _LOCALITY,
        _c("programme", codes="programme"),
        _c("setting", codes="setting"),
        _c("participants", "int", notes="> 0"),
        _CHILD_AGE,
        _c("funder", codes="funder"),
    )),
    Table("pursue_outcomes",
          "Quarterly counts of action against perpetrators (already aggregated, county-wide).", (
        _c("quarter_start", "date", event_date=True, notes="first day of a quarter"),
        _c("measure", codes="pursue_measure"),
        _c("exploitation_type", codes="exploitation_type"),
        _c("count", "int", notes=">= 0; unique per (quarter_start, measure, exploitation_type)"),
    )),
)

TABLES_BY_NAME = {t.name: t for t in TABLES}

LABELS: dict[str, str] = {
    # Code values as people read them; anything missing falls back to a tidy version of the code.
    "cse": "CSE", "cce": "CCE", "cse_and_cce": "Joint CSE & CCE", "trafficking": "Trafficking",
    "youth_justice": "Youth justice", "family_or_self": "Family or self",
    "gypsy_roma_traveller": "Gypsy, Roma and Traveller", "white_british": "White British",
    "white_other": "White other", "not_known": "Not known", "not_recorded": "Not recorded",
    "not_assessed": "Not assessed", "no_apparent_risk": "No apparent risk",
    "childrens_home": "Children's home", "eform": "Electronic form", "legacy": "Legacy system",
    "neet": "NEET", "nrm": "NRM", "nrm_referral": "NRM referral",
    "csp": "Community Safety Partnership",
    "pcc": "Police and Crime Commissioner", "brecks_last_game": "Breck's Last Game",
    "cce_workshop": "CCE workshop", "gypsy_traveller_outreach": "Gypsy and traveller outreach",
    "positive_reasonable_grounds": "Positive reasonable grounds",
    "positive_conclusive_grounds": "Positive conclusive grounds",
    "abduction_warning_notices": "Abduction warning notices",
    "cse_risk": "CSE risk", "cce_risk": "CCE risk", "care_of_the_county": "Care (the county's)",
    "care_placed_by_other_council": "Care, placed by another council",
    "placed_by_other_council": "Looked after, placed by another council",
    "looked_after_by_county": "Looked after by the county", "24_to_48_hours": "24 to 48 hours",
    "over_7_days": "Over 7 days", "not_in_care": "Not in care (from home)",
    "half": "Half-year",
    **LOCALITIES,
}


def label(code: object) -> str:
    """How a code value reads to a person: 'youth_justice' -> 'Youth justice'."""
    text = str(code)
    if text in LABELS or text != text.lower():  # a known code, or already words for people
        return LABELS.get(text, text)
    return text.replace("_", " ").capitalize()
